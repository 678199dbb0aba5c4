/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole client suite over TLS ({@code mqtts://}): Mosquitto (Debian's package) with a TLS
 * 1.3 listener only and an EC P-256 certificate for localhost made by {@code openssl}; Paho
 * and the raw will client connect with the JDK's TLS. The broker restart case is a reconnect
 * over TLS. Adds the refusals: an untrusted certificate, the JDK's default trust store, and a
 * host name the certificate does not name. Skipped with a notice where mosquitto or openssl is
 * missing.
 */
class MosquittoTlsClientTest extends MqttClientInteropTest {

	@TempDir
	static Path dir;
	static TestPki pki;

	@Override
	MqttBrokers.Broker startBroker() {
		MqttBrokers.assumeMosquitto();
		try {
			pki = TestPki.root(dir, "Mosquitto Test CA");
			return MqttBrokers.mosquittoTls(pki.ca(), pki.server("localhost", TestPki.KeyType.EC_P256));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	@Test
	void theConnectionIsTlsAndIpLiteralsAreCheckedAgainstTheCertificate() throws Exception {
		// the certificate names localhost and 127.0.0.1: both URLs pass the JDK's check
		MqttConnection byIp = connect(MqttClient.create("mqtts://127.0.0.1:" + broker.port())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).clientId("ip-" + broker.port()).runOn(loop));
		Received r = new Received(byIp, topic("ip"), 1);
		byIp.publish(topic("ip"), "over tls".getBytes(UTF_8), 1, false).block(TIMEOUT);
		assertThat(r.take().payloadAsString()).isEqualTo("over tls");
		// and the listener speaks only TLS: plain MQTT gets no CONNACK, the broker drops the connection
		assertThatThrownBy(() -> MqttClient.create("mqtt://127.0.0.1:" + broker.port())
				.connectTimeout(Duration.ofSeconds(5)).runOn(loop).connect().block(TIMEOUT))
				.isInstanceOf(MongooseException.class).isNotInstanceOf(MqttException.class);
	}

	@Test
	void theDefaultSpecOfMqttsTrustsOnlyTheJdkTrustStore() {
		// mqtts:// without secure(..): TlsSpec.forClient(), which does not know the test CA
		assertThatThrownBy(() -> MqttClient.create("mqtts://localhost:" + broker.port()).runOn(loop).connect().block(TIMEOUT))
				.isInstanceOf(MongooseException.class)
				.hasMessageContaining("untrusted server certificate (CN=localhost)")
				.hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void aBrokerCertificateFromAnotherCaIsRefused() throws Exception {
		TestPki stranger = TestPki.root(dir, "Stranger CA");
		assertThatThrownBy(() -> MqttClient.create(broker.url())
				.secure(TlsSpec.forClient().trustedCertificates(stranger.ca())).runOn(loop).connect().block(TIMEOUT))
				.isInstanceOf(MongooseException.class)
				.hasMessageContaining("TLS connect to")
				.hasMessageContaining("untrusted server certificate")
				.hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void aHostNameTheCertificateDoesNotNameIsRefused() {
		assertThatThrownBy(() -> MqttClient.create(broker.url())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca()).serverName("broker.example"))
				.runOn(loop).connect().block(TIMEOUT))
				.isInstanceOf(MongooseException.class)
				.hasMessageContaining("the server certificate (CN=localhost) is not valid for broker.example")
				.hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void aBrokerWithAnRsaCertificateIsVerifiedToo() throws Exception {
		// the broker signs its handshake with RSA; our client verifies it
		try (MqttBrokers.Broker rsa = MqttBrokers.mosquittoTls(pki.ca(), pki.server("rsa-broker", TestPki.KeyType.RSA_2048))) {
			MqttConnection c = connect(rsa.client().clientId("rsa-" + rsa.port()).runOn(loop));
			Received r = new Received(c, topic("rsa"), 1);
			c.publish(topic("rsa"), "signed with RSA".getBytes(UTF_8), 1, false).block(TIMEOUT);
			assertThat(r.take().payloadAsString()).isEqualTo("signed with RSA");
			c.disconnect().block(TIMEOUT);
		}
	}

	@Test
	void aBrokerThatRequiresAClientCertificateAcceptsOursAndRefusesNone() throws Exception {
		TestPki.Issued device = pki.client("device-1", TestPki.KeyType.EC_P256);
		try (MqttBrokers.Broker mtls = MqttBrokers.mosquittoTls(pki.ca(), pki.server("mtls-broker", TestPki.KeyType.EC_P256),
				"require_certificate true\n")) {
			TlsSpec trusting = TlsSpec.forClient().trustedCertificates(pki.ca());
			MqttConnection c = connect(MqttClient.create(mtls.url()).secure(trusting.keyCertificate(device.cert(), device.key()))
					.clientId("device-1").runOn(loop));
			Received r = new Received(c, topic("mtls"), 2);
			c.publish(topic("mtls"), "with a client certificate".getBytes(UTF_8), 2, false).block(TIMEOUT);
			assertThat(r.take().payloadAsString()).isEqualTo("with a client certificate");
			c.disconnect().block(TIMEOUT);
			// a device whose certificate has an RSA key: our client signs with it, the broker verifies
			TestPki.Issued rsaDevice = pki.client("device-rsa", TestPki.KeyType.RSA_2048);
			MqttConnection rc = connect(MqttClient.create(mtls.url())
					.secure(trusting.keyCertificate(rsaDevice.cert(), rsaDevice.key())).clientId("device-rsa").runOn(loop));
			Received rr = new Received(rc, topic("mtls-rsa"), 1);
			rc.publish(topic("mtls-rsa"), "signed with RSA-PSS".getBytes(UTF_8), 1, false).block(TIMEOUT);
			assertThat(rr.take().payloadAsString()).isEqualTo("signed with RSA-PSS");
			rc.disconnect().block(TIMEOUT);
			// TLS 1.3: the client's handshake is over before the broker checks; then it closes, no CONNACK
			assertThatThrownBy(() -> MqttClient.create(mtls.url()).secure(trusting).runOn(loop).connect().block(TIMEOUT))
					.isInstanceOf(MongooseException.class).isNotInstanceOf(MqttException.class);
		}
	}
}
