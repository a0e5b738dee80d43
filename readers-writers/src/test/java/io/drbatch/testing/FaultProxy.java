package io.drbatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP proxy on loopback between drbatch and the S3 test server that answers chosen
 * requests itself, the way a real store would where the test server does not (it does not
 * enforce Object Lock): a rule matches a request (method, path and query) and answers
 * with a status and an S3 error code; everything else is forwarded as it is. Records the
 * requests it refused. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

	/** A request as the proxy sees it. */
	public record Request(String method, String path, String query) {
	}

	private record Rule(Predicate<Request> matches, int status, String code) {
	}

	/** A response the proxy gives itself. */
	public record Response(int status, Map<String, String> headers, byte[] body) {
	}

	private record HeaderRule(Predicate<Request> matches, String name,
			java.util.function.Function<Request, String> value) {
	}

	private final List<java.util.function.Function<Request, Response>> responders = new CopyOnWriteArrayList<>();

	private final List<HeaderRule> headerRules = new CopyOnWriteArrayList<>();

	private volatile HttpServer server;

	private final int port;

	private final URI upstream;

	private final List<Rule> rules = new CopyOnWriteArrayList<>();

	private final List<Map.Entry<Predicate<Request>, java.time.Duration>> delays = new CopyOnWriteArrayList<>();

	/** The storage faults {@link #chaos} injects. */
	public enum Fault {

		/** 500 InternalError. */
		SERVER_ERROR,
		/** 503 SlowDown (throttling). */
		SLOW_DOWN,
		/**
		 * The connection drops: a GET's body is cut off halfway, any other request gets
		 * no response at all.
		 */
		RESET,
		/** A latency spike of 0.3 to 1.5 seconds before the request is served. */
		LATENCY

	}

	private volatile double chaosRate;

	private volatile Predicate<Request> chaosApplies = request -> false;

	private java.util.Random chaosRandom = new java.util.Random();

	private Fault[] chaosKinds = Fault.values();

	private final Map<Fault, java.util.concurrent.atomic.AtomicInteger> injected = new java.util.EnumMap<>(Fault.class);

	private final AtomicInteger chaosCandidates = new AtomicInteger();

	private final List<Request> refused = new CopyOnWriteArrayList<>();

	private final List<Request> received = new CopyOnWriteArrayList<>();

	private final AtomicInteger forwarded = new AtomicInteger();

	public FaultProxy(URI upstream) {
		this.upstream = upstream;
		this.server = listen(0);
		this.port = this.server.getAddress().getPort();
	}

	private HttpServer listen(int port) {
		HttpServer listening;
		try {
			listening = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		listening.createContext("/", this::handle);
		listening.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
		listening.start();
		return listening;
	}

	/**
	 * Stops listening, as a stopped server would: connections to {@link #endpoint()} are
	 * refused until {@link #up()}.
	 */
	public FaultProxy down() {
		this.server.stop(0);
		return this;
	}

	/** Listens again on the same port after {@link #down()}. */
	public FaultProxy up() {
		this.server = listen(this.port);
		return this;
	}

	/**
	 * Holds matching requests for {@code delay} before handling them (a slow store or
	 * link).
	 */
	public FaultProxy delay(Predicate<Request> matches, java.time.Duration delay) {
		this.delays.add(Map.entry(matches, delay));
		return this;
	}

	/**
	 * Injects a random {@link Fault} (one of {@code kinds}; none given: any) into each
	 * matching request with probability {@code rate} (1.0: every one), drawn from a
	 * generator seeded with {@code seed}. Resets the counts of {@link #injected} and
	 * {@link #chaosCandidates}.
	 */
	public FaultProxy chaos(double rate, long seed, Predicate<Request> applies, Fault... kinds) {
		synchronized (this.injected) {
			this.chaosRandom = new java.util.Random(seed);
			this.chaosRate = rate;
			this.chaosApplies = applies;
			this.chaosKinds = kinds.length == 0 ? Fault.values() : kinds.clone();
			this.injected.clear();
			this.chaosCandidates.set(0);
		}
		return this;
	}

	/** How many faults of each kind were injected so far. */
	public Map<Fault, Integer> injected() {
		synchronized (this.injected) {
			Map<Fault, Integer> counts = new java.util.EnumMap<>(Fault.class);
			for (Fault fault : Fault.values()) {
				counts.put(fault, this.injected.containsKey(fault) ? this.injected.get(fault).get() : 0);
			}
			return counts;
		}
	}

	/** How many requests chaos applied to (faulted or not). */
	public int chaosCandidates() {
		return this.chaosCandidates.get();
	}

	private Fault drawFault(Request request) {
		synchronized (this.injected) {
			if (this.chaosRate <= 0 || !this.chaosApplies.test(request)) {
				return null;
			}
			this.chaosCandidates.incrementAndGet();
			if (this.chaosRandom.nextDouble() >= this.chaosRate) {
				return null;
			}
			Fault fault = this.chaosKinds[this.chaosRandom.nextInt(this.chaosKinds.length)];
			this.injected.computeIfAbsent(fault, f -> new AtomicInteger()).incrementAndGet();
			return fault;
		}
	}

	/** Removes every rule, so that every request is forwarded again. */
	public FaultProxy clear() {
		this.chaosRate = 0;
		this.delays.clear();
		this.rules.clear();
		this.responders.clear();
		this.headerRules.clear();
		return this;
	}

	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	/**
	 * Answers requests matching {@code matches} with {@code status} and S3 error
	 * {@code code}.
	 */
	public FaultProxy refuse(Predicate<Request> matches, int status, String code) {
		this.rules.add(new Rule(matches, status, code));
		return this;
	}

	/**
	 * Answers a request itself when {@code responder} returns a response; {@code null}
	 * lets it through.
	 */
	public FaultProxy respond(java.util.function.Function<Request, Response> responder) {
		this.responders.add(responder);
		return this;
	}

	/**
	 * Adds a header to forwarded responses of matching requests; a {@code null} value
	 * adds nothing.
	 */
	public FaultProxy addHeader(Predicate<Request> matches, String name,
			java.util.function.Function<Request, String> value) {
		this.headerRules.add(new HeaderRule(matches, name, value));
		return this;
	}

	public List<Request> refused() {
		return List.copyOf(this.refused);
	}

	/** Every request the proxy received, in arrival order. */
	public List<Request> received() {
		return List.copyOf(this.received);
	}

	private void handle(HttpExchange exchange) throws IOException {
		Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
				exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
		this.received.add(request);
		for (Map.Entry<Predicate<Request>, java.time.Duration> delay : this.delays) {
			if (delay.getKey().test(request)) {
				try {
					Thread.sleep(delay.getValue().toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
		Fault fault = drawFault(request);
		if (fault == Fault.SERVER_ERROR || fault == Fault.SLOW_DOWN) {
			int status = fault == Fault.SERVER_ERROR ? 500 : 503;
			String code = fault == Fault.SERVER_ERROR ? "InternalError" : "SlowDown";
			exchange.getRequestBody().readAllBytes();
			byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
					+ " (fault proxy chaos)</Message></Error>")
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/xml");
			exchange.sendResponseHeaders(status, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
			return;
		}
		if (fault == Fault.LATENCY) {
			try {
				Thread.sleep(300 + ThreadLocalRandomHolder.next(1200));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (fault == Fault.RESET && !request.method().equals("GET")) {
			exchange.getRequestBody().readAllBytes();
			// no response: the client sees the connection closed under its request
			exchange.close();
			return;
		}
		for (Rule rule : this.rules) {
			if (rule.matches().test(request)) {
				this.refused.add(request);
				exchange.getRequestBody().readAllBytes();
				byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + rule.code()
						+ "</Code><Message>" + rule.code() + " (fault proxy)</Message></Error>")
					.getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().add("Content-Type", "application/xml");
				exchange.sendResponseHeaders(rule.status(), body.length);
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
				return;
			}
		}
		for (java.util.function.Function<Request, Response> responder : this.responders) {
			Response response = responder.apply(request);
			if (response != null) {
				exchange.getRequestBody().readAllBytes();
				response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
				exchange.sendResponseHeaders(response.status(),
						response.body().length == 0 ? -1 : response.body().length);
				if (response.body().length > 0) {
					try (OutputStream out = exchange.getResponseBody()) {
						out.write(response.body());
					}
				}
				exchange.close();
				return;
			}
		}
		forward(exchange, request, fault == Fault.RESET);
	}

	/**
	 * Random numbers for latency spikes, apart from the seeded draw of which request gets
	 * which fault.
	 */
	private static final class ThreadLocalRandomHolder {

		static int next(int bound) {
			return java.util.concurrent.ThreadLocalRandom.current().nextInt(bound);
		}

	}

	private void forward(HttpExchange exchange, Request request, boolean cutBody) throws IOException {
		this.forwarded.incrementAndGet();
		URI target = this.upstream.resolve(exchange.getRequestURI().getRawPath()
				+ (exchange.getRequestURI().getRawQuery() != null ? "?" + exchange.getRequestURI().getRawQuery() : ""));
		HttpURLConnection connection = (HttpURLConnection) target.toURL().openConnection();
		connection.setRequestMethod(exchange.getRequestMethod());
		connection.setInstanceFollowRedirects(false);
		for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
			String name = header.getKey();
			if (name.equalsIgnoreCase("Host") || name.equalsIgnoreCase("Content-Length")
					|| name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
				continue;
			}
			for (String value : header.getValue()) {
				connection.addRequestProperty(name, value);
			}
		}
		byte[] body = exchange.getRequestBody().readAllBytes();
		if (body.length > 0 || List.of("PUT", "POST").contains(exchange.getRequestMethod())) {
			connection.setDoOutput(true);
			connection.setFixedLengthStreamingMode(body.length);
			try (OutputStream out = connection.getOutputStream()) {
				out.write(body);
			}
		}
		int status = connection.getResponseCode();
		for (Map.Entry<String, List<String>> header : connection.getHeaderFields().entrySet()) {
			if (header.getKey() == null || header.getKey().equalsIgnoreCase("Transfer-Encoding")
					|| (header.getKey().equalsIgnoreCase("Content-Length")
							&& !exchange.getRequestMethod().equals("HEAD"))) {
				continue;
			}
			for (String value : header.getValue()) {
				exchange.getResponseHeaders().add(header.getKey(), value);
			}
		}
		for (HeaderRule rule : this.headerRules) {
			if (rule.matches().test(request)) {
				String value = rule.value().apply(request);
				if (value != null) {
					exchange.getResponseHeaders().add(rule.name(), value);
				}
			}
		}
		InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
		byte[] response = in != null ? in.readAllBytes() : new byte[0];
		boolean noBody = exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304;
		exchange.sendResponseHeaders(status, noBody ? -1 : (response.length == 0 ? -1 : response.length));
		if (!noBody && response.length > 0) {
			if (cutBody && response.length > 1) {
				// half the body, then the connection goes: the client reads a premature
				// end of the message
				OutputStream out = exchange.getResponseBody();
				out.write(response, 0, response.length / 2);
				out.flush();
				exchange.close();
				return;
			}
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(response);
			}
		}
		exchange.close();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
