package io.drbatch.jobs.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** A {@link Duration} longer than zero. */
@Documented
@Constraint(validatedBy = PositiveDuration.Check.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
public @interface PositiveDuration {

	String message() default "must be positive";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Check implements ConstraintValidator<PositiveDuration, Duration> {

		@Override
		public boolean isValid(Duration value, ConstraintValidatorContext context) {
			return value == null || (!value.isNegative() && !value.isZero());
		}

	}

}
