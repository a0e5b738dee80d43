package io.drbatch.jobs.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Turns a failure to bind or validate the configuration into one line that names each
 * offending key as an operator writes it
 * ({@code drbatch.sources[0].password-file: file is missing or not readable}); an enum
 * value that does not convert lists the allowed values in lower case. Stateless.
 */
public final class ConfigurationErrors {

	private static final Pattern CAMEL = Pattern.compile("([a-z0-9])([A-Z])");

	private ConfigurationErrors() {
	}

	/**
	 * The line for {@code failure}, or empty when it is not a configuration binding or
	 * validation failure.
	 */
	public static Optional<String> describe(Throwable failure) {
		BindValidationException validation = find(failure, BindValidationException.class);
		if (validation != null) {
			List<String> problems = new ArrayList<>();
			String prefix = validation.getValidationErrors().getName().toString();
			for (ObjectError error : validation.getValidationErrors()) {
				problems.add(error instanceof FieldError field
						? prefix + "." + kebab(field.getField()) + ": " + field.getDefaultMessage()
						: error.getDefaultMessage());
			}
			return Optional.of("invalid configuration: " + String.join("; ", problems));
		}
		BindException bind = find(failure, BindException.class);
		if (bind != null) {
			String name = String.valueOf(bind.getProperty() != null ? bind.getProperty().getName() : bind.getName());
			ConversionFailedException conversion = find(bind, ConversionFailedException.class);
			if (conversion != null && conversion.getTargetType().getType().isEnum()) {
				List<String> allowed = new ArrayList<>();
				for (Object constant : conversion.getTargetType().getType().getEnumConstants()) {
					allowed.add(constant.toString().toLowerCase(Locale.ROOT));
				}
				return Optional.of("invalid configuration: " + name + ": '" + conversion.getValue() + "' is not one of "
						+ String.join(", ", allowed));
			}
			return Optional.of("invalid configuration: cannot bind " + name + ": " + rootMessage(bind));
		}
		return Optional.empty();
	}

	/**
	 * {@code sources[0].passwordFile} as an operator writes it:
	 * {@code sources[0].password-file}.
	 */
	static String kebab(String path) {
		Matcher matcher = CAMEL.matcher(path);
		StringBuilder kebab = new StringBuilder();
		while (matcher.find()) {
			matcher.appendReplacement(kebab, matcher.group(1) + "-" + matcher.group(2).toLowerCase(Locale.ROOT));
		}
		matcher.appendTail(kebab);
		return kebab.toString().replaceAll("\\.<[a-z ]+>", "");
	}

	private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
		for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (type.isInstance(t)) {
				return type.cast(t);
			}
		}
		return null;
	}

	private static String rootMessage(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
	}

}
