package io.drbatch.manifest;

import java.nio.charset.StandardCharsets;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Reads and writes manifests as indented JSON with ISO-8601 instants. Unknown fields are
 * ignored on read so that an older drbatch can still restore from a newer manifest.
 * Thread-safe.
 */
public final class ManifestJson {

	private static final JsonMapper MAPPER = JsonMapper.builder()
		.enable(SerializationFeature.INDENT_OUTPUT)
		.disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private ManifestJson() {
	}

	public static byte[] write(Object value) {
		return MAPPER.writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
	}

	public static String writeString(Object value) {
		return MAPPER.writeValueAsString(value);
	}

	public static <T> T read(String json, Class<T> type) {
		return read(json.getBytes(StandardCharsets.UTF_8), type, "value");
	}

	/**
	 * @param source what is being read, for the error message (e.g. the object key)
	 */
	public static <T> T read(byte[] json, Class<T> type, String source) {
		try {
			return MAPPER.readValue(json, type);
		}
		catch (JacksonException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					source + " is not a valid " + type.getSimpleName() + ": " + brief(ex.getOriginalMessage()), ex);
		}
	}

	/**
	 * The parser's message without its source-location appendix, e.g. "Unexpected
	 * end-of-input: expected close marker for Array".
	 */
	private static String brief(String message) {
		if (message == null) {
			return "unreadable";
		}
		int location = message.indexOf(" (start marker at");
		String first = location > 0 ? message.substring(0, location) : message;
		int newline = first.indexOf('\n');
		return newline > 0 ? first.substring(0, newline) : first;
	}

}
