package io.github.reactormongoose.internal.jni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Loads the reactor-mongoose JNI library ({@code reactor_mongoose_<platform>}) once per class loader.
 *
 * <p>Places tried, in order:
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY}; when it is set nothing else is
 *       tried;</li>
 *   <li>{@link System#loadLibrary(String)}, i.e. {@code java.library.path};</li>
 *   <li>the class path resource {@code /META-INF/native/<file name>} (packaged in the reactor-mongoose
 *       jar), copied to a uniquely named file in {@value #WORKDIR_PROPERTY} (default
 *       {@code java.io.tmpdir}), loaded from there and then deleted, unless
 *       {@value #DELETE_PROPERTY}{@code =false}.</li>
 * </ol>
 * If all fail, one {@link UnsatisfiedLinkError} lists every place tried with its reason; the individual
 * failures are attached as suppressed exceptions.
 */
public final class NativeLibraryLoader {

    /** System property: exact path of the library file to load; disables every other place. */
    public static final String PATH_PROPERTY = "io.github.reactormongoose.native.path";
    /** System property: directory the packaged library is extracted to (default {@code java.io.tmpdir}). */
    public static final String WORKDIR_PROPERTY = "io.github.reactormongoose.native.workdir";
    /** System property: {@code false} keeps the extracted library file after loading it. */
    public static final String DELETE_PROPERTY = "io.github.reactormongoose.native.deleteAfterLoading";

    static final String BASE_NAME = "reactor_mongoose";
    static final String RESOURCE_DIR = "/META-INF/native/";

    private static boolean loaded;

    private NativeLibraryLoader() {
    }

    /**
     * Loads the native library if this class has not loaded it yet.
     *
     * @throws UnsatisfiedLinkError if it cannot be loaded from any place; the message lists them all
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        load(System.getProperties());
        loaded = true;
    }

    /** The library's name without prefix or extension, e.g. {@code reactor_mongoose_linux_x86_64}. */
    public static String libraryName() {
        return BASE_NAME + "_" + platformName();
    }

    /**
     * This machine's platform as {@code <os>_<arch>}, e.g. {@code linux_x86_64}, {@code linux_aarch_64},
     * {@code osx_aarch_64}, {@code windows_x86_64}.
     */
    public static String platformName() {
        return platformName(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    // ---------------------------------------------------------------------------------------------
    // package-private for tests: everything below works on explicit inputs, not on global state

    static String platformName(String osName, String osArch) {
        return normalizeOs(osName) + "_" + normalizeArch(osArch);
    }

    static String normalizeOs(String osName) {
        String os = clean(osName);
        if (os.startsWith("linux")) {
            return "linux";
        }
        if (os.startsWith("macosx") || os.startsWith("osx") || os.startsWith("darwin")) {
            return "osx";
        }
        if (os.startsWith("windows")) {
            return "windows";
        }
        if (os.startsWith("freebsd")) {
            return "freebsd";
        }
        if (os.startsWith("openbsd")) {
            return "openbsd";
        }
        if (os.startsWith("netbsd")) {
            return "netbsd";
        }
        if (os.startsWith("sunos") || os.startsWith("solaris")) {
            return "sunos";
        }
        if (os.startsWith("aix")) {
            return "aix";
        }
        return os.isEmpty() ? "unknown" : os;
    }

    static String normalizeArch(String osArch) {
        String arch = clean(osArch);
        switch (arch) {
            case "x8664":
            case "amd64":
            case "ia32e":
            case "em64t":
            case "x64":
                return "x86_64";
            case "x8632":
            case "x86":
            case "i386":
            case "i486":
            case "i586":
            case "i686":
            case "ia32":
            case "x32":
                return "x86_32";
            case "aarch64":
            case "arm64":
                return "aarch_64";
            case "arm":
            case "arm32":
            case "armv7":
            case "armv7l":
            case "armhf":
                return "arm_32";
            case "ppc64le":
                return "ppcle_64";
            case "ppc64":
                return "ppc_64";
            case "s390x":
                return "s390_64";
            case "riscv64":
                return "riscv64";
            case "loongarch64":
                return "loongarch_64";
            default:
                return arch.isEmpty() ? "unknown" : arch;
        }
    }

    private static String clean(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
    }

    /** File name of the library for an OS, e.g. {@code libreactor_mongoose_linux_x86_64.so}. */
    static String libraryFileName(String osName, String libraryName) {
        switch (normalizeOs(osName)) {
            case "windows":
                return libraryName + ".dll";
            case "osx":
                return "lib" + libraryName + ".dylib";
            default:
                return "lib" + libraryName + ".so";
        }
    }

    /** Class path resource holding the library for this machine. */
    static String resourcePath() {
        return RESOURCE_DIR + libraryFileName(System.getProperty("os.name", ""), libraryName());
    }

    /**
     * One loading attempt, driven by {@code props} (normally the system properties). Does not look at or
     * set the "already loaded" flag.
     */
    static void load(Properties props) {
        String name = libraryName();
        List<String> tried = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();

        // 1. explicit file: no search
        String explicit = props.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path file = Paths.get(explicit.trim()).toAbsolutePath();
            try {
                System.load(file.toString());
                return;
            } catch (UnsatisfiedLinkError | SecurityException e) {
                String why = Files.isRegularFile(file) ? String.valueOf(e.getMessage()) : "no such file";
                tried.add("file from system property " + PATH_PROPERTY + "=" + file + ": " + why
                        + " (nothing else is tried while that property is set)");
                failures.add(e);
                throw failure(name, tried, failures, null);
            }
        }

        // 2. java.library.path
        try {
            System.loadLibrary(name);
            return;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            tried.add("System.loadLibrary(\"" + name + "\"): " + e.getMessage());
            failures.add(e);
        }

        // 3. packaged resource, extracted to the work directory
        String resource = resourcePath();
        Path workDir = workDir(props);
        String hint = null;
        Path extracted = null;
        try {
            extracted = extract(resource, workDir);
            if (extracted == null) {
                tried.add("class path resource " + resource + ": not found (no reactor-mongoose jar with a "
                        + platformName() + " library on the class path)");
            } else {
                try {
                    System.load(extracted.toString());
                    return;
                } catch (UnsatisfiedLinkError | SecurityException e) {
                    tried.add("class path resource " + resource + " extracted to " + extracted + ": "
                            + e.getMessage());
                    failures.add(e);
                    hint = "if " + workDir + " is on a file system mounted noexec, set -D" + WORKDIR_PROPERTY
                            + "=<dir on an exec-allowed file system> or -D" + PATH_PROPERTY
                            + "=<path of the library file>";
                }
            }
        } catch (IOException | RuntimeException e) {
            tried.add("class path resource " + resource + ": could not extract it to " + workDir + ": " + e);
            failures.add(e);
        } finally {
            if (extracted != null && deleteAfterLoading(props)) {
                delete(extracted);
            }
        }
        throw failure(name, tried, failures, hint);
    }

    /**
     * Copies {@code resource} to a new uniquely named file in {@code workDir}.
     *
     * @return the file, or {@code null} if there is no such resource
     */
    static Path extract(String resource, Path workDir) throws IOException {
        try (InputStream in = NativeLibraryLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Files.createDirectories(workDir);
            String fileName = resource.substring(resource.lastIndexOf('/') + 1);
            int dot = fileName.lastIndexOf('.');
            String prefix = (dot > 0 ? fileName.substring(0, dot) : fileName) + "-";
            String suffix = dot > 0 ? fileName.substring(dot) : null;
            Path file = Files.createTempFile(workDir, prefix, suffix);
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                delete(file);
                throw e;
            }
            return file;
        }
    }

    static Path workDir(Properties props) {
        String dir = props.getProperty(WORKDIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = props.getProperty("java.io.tmpdir", System.getProperty("java.io.tmpdir"));
        }
        return Paths.get(dir.trim()).toAbsolutePath();
    }

    static boolean deleteAfterLoading(Properties props) {
        return !"false".equalsIgnoreCase(props.getProperty(DELETE_PROPERTY, "true").trim());
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
            // e.g. Windows keeps a loaded DLL locked
            file.toFile().deleteOnExit();
        }
    }

    static UnsatisfiedLinkError failure(String name, List<String> tried, List<Throwable> failures,
                                        String hint) {
        StringBuilder msg = new StringBuilder()
                .append("Could not load the reactor-mongoose native library ").append(name)
                .append(" (platform ").append(platformName()).append("). Tried:");
        for (int i = 0; i < tried.size(); i++) {
            msg.append(System.lineSeparator()).append("  ").append(i + 1).append(". ").append(tried.get(i));
        }
        if (hint != null) {
            msg.append(System.lineSeparator()).append("Hint: ").append(hint);
        }
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(msg.toString());
        for (Throwable t : failures) {
            error.addSuppressed(t);
        }
        return error;
    }
}
