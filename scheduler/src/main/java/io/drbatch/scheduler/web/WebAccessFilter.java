package io.drbatch.scheduler.web;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import org.springframework.web.filter.OncePerRequestFilter;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.Secrets;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Guards every response of drbatch's web server (the status page, its JSON and the
 * actuator): the usual security headers on each, and HTTP Basic authentication with
 * {@code drbatch.web.username}/password whenever a password is configured, which it must
 * be when {@code server.address} is not a loopback address (start-up is refused
 * otherwise, naming the keys). Credentials are compared in constant time (SHA-256 of each
 * side, then {@link MessageDigest#isEqual}). Thread-safe: immutable after construction.
 */
public class WebAccessFilter extends OncePerRequestFilter {

	static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self';"
			+ " script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

	private final byte[] expected;

	public WebAccessFilter(WebProperties properties, String serverAddress) {
		String password = Secrets.password(properties.passwordEnv(), properties.passwordFile(), properties.password(),
				"drbatch.web");
		if (password == null && !isLoopback(serverAddress)) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "server.address is " + serverAddress
					+ ", not a loopback address: the status page and metrics would be open to anyone who can reach it;"
					+ " set a login with drbatch.web.password-env, drbatch.web.password-file or drbatch.web.password"
					+ " (user drbatch.web.username, default 'drbatch'), or bind server.address=127.0.0.1");
		}
		this.expected = password == null ? null : digest(properties.username() + ":" + password);
	}

	static boolean isLoopback(String address) {
		if (address == null || address.isBlank()) {
			// Spring Boot binds every interface when no address is set
			return false;
		}
		try {
			return InetAddress.getByName(address).isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
	}

	/** Whether requests must authenticate. */
	boolean requiresLogin() {
		return this.expected != null;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader("X-Frame-Options", "DENY");
		response.setHeader("Referrer-Policy", "no-referrer");
		response.setHeader("Cache-Control", "no-store");
		response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
		if (this.expected != null && !authenticated(request.getHeader("Authorization"))) {
			response.setHeader("WWW-Authenticate", "Basic realm=\"drbatch\", charset=\"UTF-8\"");
			response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
			return;
		}
		chain.doFilter(request, response);
	}

	private boolean authenticated(String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
			return false;
		}
		String credentials;
		try {
			credentials = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
					StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return MessageDigest.isEqual(this.expected, digest(credentials));
	}

	private static byte[] digest(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		return Sha256.of(bytes, 0, bytes.length);
	}

}
