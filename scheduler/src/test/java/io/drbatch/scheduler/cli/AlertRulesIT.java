package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules (k8s-cronjobs/monitoring/drbatch-alerts.yaml) through Prometheus's own
 * {@code promtool} (Debian's {@code prometheus} package, installed by scripts/test.sh):
 * {@code check rules} accepts them, {@code test rules} proves that each alert fires on a
 * synthetic series and stays quiet on a healthy one, every alert has such a test, and
 * every runbook link points at a README section that exists. (That every metric the rules
 * and the dashboard ask for is exported is proven against a running drbatch in
 * {@link WebCliIT}.)
 */
class AlertRulesIT {

	private static final Path MONITORING = Path.of("..", "k8s-cronjobs", "monitoring");

	private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

	@Test
	void promtoolAcceptsTheRulesAndEveryAlertFiresOnlyWhenItShould() throws Exception {
		Result check = promtool("check", "rules", "drbatch-alerts.yaml");
		Result test = promtool("test", "rules", "drbatch-alerts.test.yaml");

		assertThat(check.exitCode()).as(check.output()).isZero();
		assertThat(test.exitCode()).as(test.output()).isZero();
		assertThat(test.output()).contains("SUCCESS");
		List<String> alerts = alerts();
		assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
		String tests = Files.readString(MONITORING.resolve("drbatch-alerts.test.yaml"));
		for (String alert : alerts) {
			assertThat(tests).as("a promtool test of " + alert).contains("alertname: " + alert + "\n");
		}
	}

	@Test
	void everyRunbookLinkPointsAtAReadmeSection() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		for (JsonNode rule : this.yaml.readTree(MONITORING.resolve("drbatch-alerts.yaml").toFile())
			.at("/groups/0/rules")) {
			String alert = rule.get("alert").asText();
			String runbook = rule.at("/annotations/runbook_url").asText();
			assertThat(runbook).as(alert).endsWith("README.md#" + alert.toLowerCase(Locale.ROOT));
			assertThat(readme).as("README section for " + alert).contains("\n#### " + alert + "\n");
			assertThat(rule.at("/annotations/summary").asText()).as(alert + " names the database")
				.contains("{{ $labels.database }}");
		}
	}

	private List<String> alerts() throws IOException {
		List<String> alerts = new ArrayList<>();
		this.yaml.readTree(MONITORING.resolve("drbatch-alerts.yaml").toFile())
			.at("/groups/0/rules")
			.forEach(rule -> alerts.add(rule.get("alert").asText()));
		return alerts;
	}

	private record Result(int exitCode, String output) {
	}

	private static Result promtool(String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("promtool"));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).directory(MONITORING.toFile()).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		return new Result(process.waitFor(), output);
	}

}
