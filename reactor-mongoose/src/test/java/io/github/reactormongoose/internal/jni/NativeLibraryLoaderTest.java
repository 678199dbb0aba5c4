package io.github.reactormongoose.internal.jni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NativeLibraryLoaderTest {

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
        "Linux,          amd64,   linux_x86_64",
        "Linux,          x86_64,  linux_x86_64",
        "LINUX,          x86-64,  linux_x86_64",
        "Linux,          aarch64, linux_aarch_64",
        "Linux,          arm64,   linux_aarch_64",
        "Linux,          i386,    linux_x86_32",
        "Linux,          ppc64le, linux_ppcle_64",
        "Linux,          s390x,   linux_s390_64",
        "Mac OS X,       aarch64, osx_aarch_64",
        "Mac OS X,       x86_64,  osx_x86_64",
        "Darwin,         arm64,   osx_aarch_64",
        "Windows 10,     amd64,   windows_x86_64",
        "Windows Server 2022, x86, windows_x86_32",
        "FreeBSD,        amd64,   freebsd_x86_64",
    })
    void platformNameIsNormalised(String osName, String osArch, String expected) {
        assertThat(NativeLibraryLoader.platformName(osName, osArch)).isEqualTo(expected);
    }

    @Test
    void libraryFileNameFollowsTheOs() {
        assertThat(NativeLibraryLoader.libraryFileName("Linux", "x")).isEqualTo("libx.so");
        assertThat(NativeLibraryLoader.libraryFileName("Mac OS X", "x")).isEqualTo("libx.dylib");
        assertThat(NativeLibraryLoader.libraryFileName("Windows 11", "x")).isEqualTo("x.dll");
    }

    @Test
    void libraryNameUsesThisPlatform() {
        assertThat(NativeLibraryLoader.libraryName())
                .isEqualTo("reactor_mongoose_" + NativeLibraryLoader.platformName())
                .doesNotContain("unknown");
    }

    @Test
    void bogusExplicitPathFailsWithoutSearchingElsewhere(@TempDir Path dir) {
        Path bogus = dir.resolve("no-such-dir").resolve("libbogus.so");
        Properties props = new Properties();
        props.setProperty(NativeLibraryLoader.PATH_PROPERTY, bogus.toString());

        UnsatisfiedLinkError error =
                catchThrowableOfType(UnsatisfiedLinkError.class, () -> NativeLibraryLoader.load(props));

        assertThat(error).isNotNull();
        assertThat(error.getMessage())
                .contains(bogus.toString())
                .contains(NativeLibraryLoader.PATH_PROPERTY)
                .contains("no such file")
                .doesNotContain("java.library.path")
                .doesNotContain("class path resource");
        assertThat(error.getSuppressed()).hasSize(1);
    }

    @Test
    void workDirAndDeleteFlagComeFromTheProperties(@TempDir Path dir) {
        Properties props = new Properties();
        props.setProperty("java.io.tmpdir", "/some/tmp");
        assertThat(NativeLibraryLoader.workDir(props)).isEqualTo(Path.of("/some/tmp"));
        assertThat(NativeLibraryLoader.deleteAfterLoading(props)).isTrue();

        props.setProperty(NativeLibraryLoader.WORKDIR_PROPERTY, dir.toString());
        props.setProperty(NativeLibraryLoader.DELETE_PROPERTY, "false");
        assertThat(NativeLibraryLoader.workDir(props)).isEqualTo(dir);
        assertThat(NativeLibraryLoader.deleteAfterLoading(props)).isFalse();
    }

    @Test
    void missingResourceExtractsNothing(@TempDir Path dir) throws Exception {
        assertThat(NativeLibraryLoader.extract("/META-INF/native/libdoes_not_exist.so", dir)).isNull();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    /** The build copies the library into META-INF/native/; extraction (no loading) gives a unique copy. */
    @Test
    void packagedLibraryIsExtractedToAUniqueFile(@TempDir Path dir) throws Exception {
        String resource = NativeLibraryLoader.resourcePath();
        assumeTrue(NativeLibraryLoader.class.getResource(resource) != null,
                "no packaged library for this platform (native build skipped?)");

        Path first = NativeLibraryLoader.extract(resource, dir.resolve("work"));
        Path second = NativeLibraryLoader.extract(resource, dir.resolve("work"));

        assertThat(first).isNotEqualTo(second);
        assertThat(first.getFileName().toString())
                .startsWith("lib" + NativeLibraryLoader.libraryName() + "-");
        assertThat(Files.size(first)).isPositive().isEqualTo(Files.size(second));
    }
}
