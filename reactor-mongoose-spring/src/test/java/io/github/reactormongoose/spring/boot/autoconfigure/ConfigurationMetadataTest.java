/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The jar's {@code META-INF/spring-configuration-metadata.json} (what IDEs complete
 * {@code server.mongoose.*} from) describes every property of {@link MongooseServerProperties},
 * and the switches that are read with {@code @ConditionalOnProperty} only: a property added
 * without a javadoc, or a build that stops generating the file, fails here.
 */
class ConfigurationMetadataTest {

	@Test
	void everyServerPropertyHasItsEntryWithADescription() throws IOException {
		Map<String, JsonNode> properties = properties();
		String prefix = MongooseServerProperties.class.getAnnotation(ConfigurationProperties.class).value();
		int fields = 0;
		for (Field field : MongooseServerProperties.class.getDeclaredFields()) {
			if (Modifier.isStatic(field.getModifiers())) {
				continue;
			}
			fields++;
			String name = prefix + "." + kebab(field.getName());
			assertThat(properties).as(name).containsKey(name);
			JsonNode entry = properties.get(name);
			// the description is the field's javadoc, shown as plain text: no {@code ..}
			assertThat(entry.path("description").asString("")).as(name + " description").isNotBlank()
				.doesNotContain("{@");
			assertThat(entry.path("sourceType").asString("")).as(name + " sourceType")
				.isEqualTo(MongooseServerProperties.class.getName());
			assertThat(entry.path("type").asString("")).as(name + " type").isNotBlank();
		}
		assertThat(fields).isGreaterThan(10);
		assertThat(properties.get("server.mongoose.date-header").path("defaultValue").asBoolean(false)).isTrue();
	}

	@Test
	void theConditionalSwitchesAreDescribedToo() throws IOException {
		Map<String, JsonNode> properties = properties();
		for (String name : List.of("server.mongoose.websocket.enabled",
				MongooseClientHttpConnectorAutoConfiguration.Chosen.ENABLED)) {
			assertThat(properties).as(name).containsKey(name);
			assertThat(properties.get(name).path("description").asString("")).as(name + " description").isNotBlank();
			assertThat(properties.get(name).path("type").asString("")).as(name + " type").isEqualTo("java.lang.Boolean");
		}
	}

	/**
	 * The metadata's properties by name, from the module's own classes (Spring Boot's jars on the
	 * classpath have a file of that name too).
	 */
	private static Map<String, JsonNode> properties() throws IOException {
		URL classes = MongooseServerProperties.class.getProtectionDomain().getCodeSource().getLocation();
		try (URLClassLoader own = new URLClassLoader(new URL[] { classes }, null);
				InputStream in = own.getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("META-INF/spring-configuration-metadata.json in " + classes).isNotNull();
			JsonNode root = new ObjectMapper().readTree(in);
			Map<String, JsonNode> byName = new HashMap<>();
			for (JsonNode p : root.path("properties")) {
				byName.put(p.path("name").asString(), p);
			}
			return byName;
		}
	}

	/** {@code maxRequestBodySize} → {@code max-request-body-size}, as Boot binds it. */
	private static String kebab(String camel) {
		StringBuilder b = new StringBuilder();
		for (char c : camel.toCharArray()) {
			if (Character.isUpperCase(c)) {
				b.append('-').append(Character.toLowerCase(c));
			}
			else {
				b.append(c);
			}
		}
		return b.toString();
	}
}
