package io.drbatch.store;

import javax.xml.stream.XMLStreamException;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures the S3 client retries on top of the SDK's own rules: a response body
 * that broke off.
 */
class S3BrokenResponseTests {

	@Test
	void aListingWhoseXmlEndsEarlyIsRetried() {
		SdkClientException parseError = SdkClientException.create("Unable to unmarshall response",
				new XMLStreamException("ParseError at [row,col]:[1,447]"));

		assertThat(S3Clients.isBrokenResponseBody(parseError)).isTrue();
		assertThat(S3Clients.isBrokenResponseBody(SdkClientException
			.create("Premature end of Content-Length delimited message body (expected: 911; received: 455)"))).isTrue();
	}

	@Test
	void aRefusalOrAnotherClientErrorIsLeftToTheSdksRules() {
		assertThat(
				S3Clients.isBrokenResponseBody(S3Exception.builder().statusCode(403).message("Access Denied").build()))
			.isFalse();
		assertThat(S3Clients.isBrokenResponseBody(SdkClientException.create("Unable to load credentials"))).isFalse();
	}

}
