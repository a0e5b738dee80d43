package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/local-env.sh clean}: the local S3 server's files do not pile up for
 * ever. Runs the script with its own state folder and port, so the servers the other
 * tests use are not touched.
 */
class LocalEnvScriptIT {

	@TempDir
	Path state;

	@Test
	void cleanStopsTheServersItStartedAndDeletesWhatTheyStored() throws Exception {
		int port = unusedPort();
		assertThat(script("up", port)).isZero();
		HttpClient http = HttpClient.newHttpClient();
		HttpResponse<Void> put = http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/drbatch/hello"))
				.PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024]))
				.build(), HttpResponse.BodyHandlers.discarding());
		assertThat(put.statusCode()).isEqualTo(200);
		assertThat(this.state.resolve("s3mock-" + port)).isDirectory();

		assertThat(script("clean", port)).isZero();

		assertThat(this.state.resolve("s3mock-" + port)).doesNotExist();
		assertThat(this.state.resolve("s3mock-" + port + ".log")).doesNotExist();
		assertThat(answers(port)).as("the server it started is stopped").isFalse();
	}

	private int script(String command, int port) throws IOException, InterruptedException {
		Path root = Path.of("").toAbsolutePath().getParent();
		ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("scripts/local-env.sh").toString(), command)
			.redirectErrorStream(true)
			.redirectOutput(this.state.resolveSibling(this.state.getFileName() + "-" + command + ".txt").toFile());
		builder.environment().put("DRBATCH_LOCAL_STATE", this.state.toString());
		builder.environment().put("DRBATCH_S3_PORTS", String.valueOf(port));
		Process process = builder.start();
		assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
		return process.exitValue();
	}

	private static boolean answers(int port) {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int unusedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
