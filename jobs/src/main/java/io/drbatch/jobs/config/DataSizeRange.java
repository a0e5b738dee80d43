package io.drbatch.jobs.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import org.springframework.util.unit.DataSize;

/**
 * A {@link DataSize} between {@link #min} and {@link #max} (Spring's notation, e.g.
 * {@code 5MB}), inclusive.
 */
@Documented
@Constraint(validatedBy = DataSizeRange.Check.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
public @interface DataSizeRange {

	String min();

	String max();

	String message() default "must be between {min} and {max}, was ${validatedValue}";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Check implements ConstraintValidator<DataSizeRange, DataSize> {

		private DataSize min;

		private DataSize max;

		@Override
		public void initialize(DataSizeRange range) {
			this.min = DataSize.parse(range.min());
			this.max = DataSize.parse(range.max());
		}

		@Override
		public boolean isValid(DataSize value, ConstraintValidatorContext context) {
			return value == null || (value.compareTo(this.min) >= 0 && value.compareTo(this.max) <= 0);
		}

	}

}
