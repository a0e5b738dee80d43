package io.drbatch.jobs.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** A configured folder that exists and can be written to; empty is fine. */
@Documented
@Constraint(validatedBy = WritableFolder.Check.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
public @interface WritableFolder {

	String message() default "must be an existing, writable folder";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Check implements ConstraintValidator<WritableFolder, Path> {

		@Override
		public boolean isValid(Path value, ConstraintValidatorContext context) {
			return value == null || (Files.isDirectory(value) && Files.isWritable(value));
		}

	}

}
