package io.drbatch.scheduler.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The web server's own wiring, present only when drbatch serves HTTP
 * ({@code drbatch scheduler}, {@code drbatch web}): the access filter in front of every
 * path. CLI commands start no web server and build none of this.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(WebProperties.class)
class WebConfiguration {

	@Bean
	FilterRegistrationBean<WebAccessFilter> webAccessFilter(WebProperties properties,
			@Value("${server.address:}") String serverAddress) {
		FilterRegistrationBean<WebAccessFilter> registration = new FilterRegistrationBean<>(
				new WebAccessFilter(properties, serverAddress));
		registration.addUrlPatterns("/*");
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

}
