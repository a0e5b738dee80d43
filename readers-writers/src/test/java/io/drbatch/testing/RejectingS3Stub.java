package io.drbatch.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * A loopback HTTP server that answers every S3 request with one fixed error, the way AWS
 * answers a rejected credential ({@code 403 InvalidAccessKeyId} or
 * {@code SignatureDoesNotMatch}). The S3 test server accepts any key, so this stands in
 * for a store that checks them.
 */
public final class RejectingS3Stub implements AutoCloseable {

	private final HttpServer server;

	private final AtomicInteger requests = new AtomicInteger();

	public RejectingS3Stub(int status, String errorCode) throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + errorCode
				+ "</Code><Message>The request was rejected by the test stub.</Message><RequestId>stub</RequestId></Error>")
			.getBytes(StandardCharsets.UTF_8);
		this.server.createContext("/", exchange -> {
			this.requests.incrementAndGet();
			exchange.getRequestBody().readAllBytes();
			exchange.getResponseHeaders().add("Content-Type", "application/xml");
			boolean head = "HEAD".equals(exchange.getRequestMethod());
			exchange.sendResponseHeaders(status, head ? -1 : body.length);
			if (!head) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			}
			exchange.close();
		});
		this.server.start();
	}

	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
	}

	public int requests() {
		return this.requests.get();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
