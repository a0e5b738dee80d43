package io.drbatch.jobs.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** An {@code http://} or {@code https://} URL with a host; empty is fine. */
@Documented
@Constraint(validatedBy = HttpUrl.Check.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
public @interface HttpUrl {

	String message() default "must be an http:// or https:// URL";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Check implements ConstraintValidator<HttpUrl, URI> {

		@Override
		public boolean isValid(URI value, ConstraintValidatorContext context) {
			return value == null || (("http".equals(value.getScheme()) || "https".equals(value.getScheme()))
					&& value.getHost() != null);
		}

	}

}
