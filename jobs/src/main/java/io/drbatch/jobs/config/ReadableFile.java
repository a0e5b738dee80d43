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

/**
 * A configured file (a password or key file, a credentials file) that exists and can be
 * read; empty is fine.
 */
@Documented
@Constraint(validatedBy = ReadableFile.Check.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
public @interface ReadableFile {

	String message() default "file is missing or not readable";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Checks the file at binding time; a secret rotated later is read again when it is
	 * used.
	 */
	class Check implements ConstraintValidator<ReadableFile, Path> {

		@Override
		public boolean isValid(Path value, ConstraintValidatorContext context) {
			return value == null || (Files.isRegularFile(value) && Files.isReadable(value));
		}

	}

}
