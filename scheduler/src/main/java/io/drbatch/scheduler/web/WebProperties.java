package io.drbatch.scheduler.web;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.NotBlank;

/**
 * The status page's login ({@code drbatch.web.*}), required whenever the page is served
 * on an address other than loopback. The password comes, first given wins, from the
 * environment variable named by {@code password-env}, the file {@code password-file} (a
 * mounted Kubernetes Secret), or {@code password}. Immutable.
 */
@Validated
@ConfigurationProperties("drbatch.web")
public record WebProperties(@NotBlank @DefaultValue("drbatch") String username, String passwordEnv, Path passwordFile,
		String password) {

	@Override
	public String toString() {
		return "WebProperties[username=" + this.username + ", password "
				+ (this.passwordEnv != null || this.passwordFile != null || this.password != null ? "configured"
						: "none")
				+ "]";
	}

}
