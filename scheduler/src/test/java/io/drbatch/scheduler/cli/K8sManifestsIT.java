package io.drbatch.scheduler.cli;

import java.beans.Introspector;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders k8s-cronjobs/ (the base and every overlay) with {@code kubectl kustomize} and
 * parses every object strictly into the fabric8 Kubernetes model: a field the model does
 * not know fails the test, as a typo would fail {@code kubectl apply}. Then checks what
 * the operations issue requires of every CronJob (schedule, concurrency, deadlines,
 * history, grace period, resources, non-root read-only root filesystem with an emptyDir
 * spool), that credentials come only from Secret references, and that every job named
 * exists in drbatch (asked of the packaged CLI); that the scheduler declares its ports,
 * probes on the liveness and readiness health groups of a management port that a Service
 * exposes; and, in the Prometheus Operator overlay, that a ServiceMonitor scrapes that
 * port and the PrometheusRule carries exactly the groups of the plain rules file.
 */
class K8sManifestsIT {

	private static final Path ROOT = Path.of("..", "k8s-cronjobs");

	private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|ACCESS_KEY|WEBHOOK).*");

	/**
	 * Configuration keys that hold a secret value; only their {@code -file} and
	 * {@code -env} forms belong in a ConfigMap.
	 */
	private static final Set<String> SECRET_KEYS = Set.of("password", "secret-access-key", "access-key-id", "token");

	private static final Map<String, Boolean> KNOWN_JOBS = new java.util.concurrent.ConcurrentHashMap<>();

	@org.junit.jupiter.api.io.TempDir
	Path workDir;

	private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

	static Stream<String> kustomizations() throws IOException {
		List<String> dirs = new ArrayList<>(List.of("base"));
		try (Stream<Path> overlays = Files.list(ROOT.resolve("overlays"))) {
			overlays.filter(Files::isDirectory).map(dir -> "overlays/" + dir.getFileName()).sorted().forEach(dirs::add);
		}
		assertThat(dirs).as("overlays for AWS and MinIO at least").contains("overlays/aws", "overlays/minio");
		return dirs.stream();
	}

	@ParameterizedTest
	@MethodSource("kustomizations")
	void everyRenderedObjectParsesStrictlyAndCarriesWhatAnOperatorNeeds(String kustomization) throws Exception {
		List<JsonNode> documents = render(kustomization);
		List<CronJob> cronJobs = new ArrayList<>();
		List<Deployment> deployments = new ArrayList<>();
		List<Service> services = new ArrayList<>();
		List<JsonNode> monitors = new ArrayList<>();
		List<JsonNode> rules = new ArrayList<>();
		for (JsonNode document : documents) {
			String kind = document.path("kind").asText();
			assertThat(kind).as("no Secret is part of the manifests; operators create them").isNotEqualTo("Secret");
			Object parsed = switch (kind) {
				case "CronJob" -> this.yaml.treeToValue(document, CronJob.class);
				case "Deployment" -> this.yaml.treeToValue(document, Deployment.class);
				case "ConfigMap" -> this.yaml.treeToValue(document, ConfigMap.class);
				case "ServiceAccount" -> this.yaml.treeToValue(document, ServiceAccount.class);
				case "Service" -> this.yaml.treeToValue(document, Service.class);
				// the Prometheus Operator's kinds are not in the fabric8 core model:
				// checked field by
				// field below
				case "ServiceMonitor", "PrometheusRule" -> document;
				default -> throw new AssertionError(kustomization + ": unexpected kind " + kind);
			};
			if (parsed instanceof JsonNode operatorKind) {
				(kind.equals("ServiceMonitor") ? monitors : rules).add(operatorKind);
				continue;
			}
			assertNoUnknownFields(parsed, kind + " " + document.path("metadata").path("name").asText());
			if (parsed instanceof Service service) {
				services.add(service);
			}
			if (parsed instanceof CronJob cronJob) {
				cronJobs.add(cronJob);
			}
			else if (parsed instanceof Deployment deployment) {
				deployments.add(deployment);
			}
			else if (parsed instanceof ConfigMap configMap) {
				for (Map.Entry<String, String> file : configMap.getData().entrySet()) {
					JsonNode configuration = this.yaml.readTree(file.getValue());
					assertThat(secretKeysIn(configuration, ""))
						.as(kustomization + ": secret values in " + file.getKey())
						.isEmpty();
					assertThat(configuration.at("/drbatch/drill/webhook/url").isMissingNode())
						.as(kustomization + ": the webhook URL (it embeds a token) comes from a Secret")
						.isTrue();
				}
			}
		}
		assertThat(cronJobs).as("one CronJob per scheduled job").hasSizeGreaterThanOrEqualTo(2);
		for (CronJob cronJob : cronJobs) {
			checkCronJob(kustomization, cronJob);
		}
		assertThat(deployments).singleElement().satisfies(deployment -> {
			PodSpec pod = deployment.getSpec().getTemplate().getSpec();
			assertThat(pod.getContainers().get(0).getArgs()).containsExactly("scheduler");
			checkPod(kustomization + " scheduler", pod);
			checkSchedulerPorts(kustomization, deployment, services);
		});
		if (kustomization.equals("overlays/prometheus-operator")) {
			assertThat(monitors).singleElement().satisfies(monitor -> {
				assertThat(monitor.at("/apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
				Map<String, String> selector = this.yaml.convertValue(monitor.at("/spec/selector/matchLabels"),
						new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {
						});
				assertThat(services).singleElement()
					.satisfies(service -> assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector));
				assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("management");
				assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/actuator/prometheus");
			});
			JsonNode plain = this.yaml.readTree(ROOT.resolve("monitoring/drbatch-alerts.yaml").toFile());
			assertThat(rules).singleElement().satisfies(rule -> {
				assertThat(rule.at("/apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
				assertThat(rule.at("/spec/groups"))
					.as("the PrometheusRule carries the rules file's groups (run k8s-cronjobs/monitoring/prometheusrule.sh)")
					.isEqualTo(plain.get("groups"));
			});
		}
		else {
			assertThat(monitors).as(kustomization + ": no Prometheus Operator kinds outside its overlay").isEmpty();
			assertThat(rules).isEmpty();
		}
	}

	/**
	 * The scheduler's container declares its ports; its probes ask the liveness and
	 * readiness health groups on the management port, which listens on every address and
	 * which a Service selecting the scheduler's pods exposes.
	 */
	private static void checkSchedulerPorts(String kustomization, Deployment deployment, List<Service> services) {
		String name = kustomization + " scheduler";
		Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
		assertThat(container.getPorts()).as(name + " ports").anySatisfy(port -> {
			assertThat(port.getName()).isEqualTo("management");
			assertThat(port.getContainerPort()).isEqualTo(8081);
		}).anySatisfy(port -> {
			assertThat(port.getName()).isEqualTo("http");
			assertThat(port.getContainerPort()).isEqualTo(8080);
		});
		Map<String, String> env = new java.util.HashMap<>();
		container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
		assertThat(env).as(name + " management server")
			.containsEntry("MANAGEMENT_SERVER_PORT", "8081")
			.containsEntry("MANAGEMENT_SERVER_ADDRESS", "0.0.0.0")
			.doesNotContainKey("SERVER_ADDRESS");
		checkProbe(name + " liveness", container.getLivenessProbe(), "/actuator/health/liveness");
		checkProbe(name + " startup", container.getStartupProbe(), "/actuator/health/liveness");
		checkProbe(name + " readiness", container.getReadinessProbe(), "/actuator/health/readiness");
		Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
		assertThat(services).as(kustomization + ": a Service for the scheduler").singleElement().satisfies(service -> {
			assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
			assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
				assertThat(port.getName()).isEqualTo("management");
				assertThat(port.getTargetPort().getStrVal()).isEqualTo("management");
			});
		});
	}

	private static void checkProbe(String name, Probe probe, String path) {
		assertThat(probe).as(name + " probe").isNotNull();
		assertThat(probe.getHttpGet().getPath()).as(name + " path").isEqualTo(path);
		assertThat(probe.getHttpGet().getPort().getStrVal()).as(name + " port").isEqualTo("management");
		assertThat(probe.getPeriodSeconds()).as(name + " period").isPositive();
	}

	private void checkCronJob(String kustomization, CronJob cronJob) throws Exception {
		String name = kustomization + " CronJob " + cronJob.getMetadata().getName();
		assertThat(cronJob.getSpec().getSchedule()).as(name + " schedule").isNotBlank();
		assertThat(cronJob.getSpec().getConcurrencyPolicy()).as(name).isEqualTo("Forbid");
		assertThat(cronJob.getSpec().getStartingDeadlineSeconds()).as(name + " startingDeadlineSeconds").isPositive();
		JobSpec job = cronJob.getSpec().getJobTemplate().getSpec();
		assertThat(job.getBackoffLimit()).as(name + " backoffLimit").isNotNull();
		assertThat(job.getActiveDeadlineSeconds()).as(name + " activeDeadlineSeconds").isPositive();
		assertThat(job.getTtlSecondsAfterFinished()).as(name + " ttlSecondsAfterFinished").isPositive();
		PodSpec pod = job.getTemplate().getSpec();
		checkPod(name, pod);
		List<String> args = pod.getContainers().get(0).getArgs();
		assertThat(args).as(name + " runs a job").hasSize(2).first().isEqualTo("run");
		assertThat(jobExists(args.get(1))).as(name + ": drbatch has a job named " + args.get(1)).isTrue();
	}

	private static List<String> secretKeysIn(JsonNode node, String path) {
		List<String> found = new ArrayList<>();
		if (node.isObject()) {
			node.properties().forEach(field -> {
				if (SECRET_KEYS.contains(field.getKey())) {
					found.add(path + "." + field.getKey());
				}
				found.addAll(secretKeysIn(field.getValue(), path + "." + field.getKey()));
			});
		}
		else if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				found.addAll(secretKeysIn(node.get(i), path + "[" + i + "]"));
			}
		}
		return found;
	}

	/**
	 * Asks the packaged CLI: {@code drbatch history <job>} exits 0 for a job it has and 2
	 * for one it has not.
	 */
	private boolean jobExists(String job) {
		return KNOWN_JOBS.computeIfAbsent(job, name -> {
			CliProcess.Result result = new CliProcess(this.workDir).source("k8s_check", "postgres")
				.bucket("drbatch")
				.run("history", name, "--limit", "1");
			assertThat(result.exitCode()).as(result.stderr()).isIn(0, 2);
			return result.exitCode() == 0;
		});
	}

	private static void checkPod(String name, PodSpec pod) {
		assertThat(pod.getTerminationGracePeriodSeconds()).as(name + ": a grace period longer than one chunk")
			.isGreaterThanOrEqualTo(60L);
		assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(name + " runAsNonRoot").isTrue();
		assertThat(pod.getSecurityContext().getRunAsUser()).as(name + " runAsUser").isPositive();
		Set<String> emptyDirs = new HashSet<>();
		for (Volume volume : pod.getVolumes()) {
			if (volume.getEmptyDir() != null) {
				emptyDirs.add(volume.getName());
			}
		}
		for (Container container : pod.getContainers()) {
			assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(name + " readOnlyRootFilesystem")
				.isTrue();
			assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(name).isFalse();
			Map<String, ?> requests = container.getResources().getRequests();
			Map<String, ?> limits = container.getResources().getLimits();
			assertThat(requests).as(name + " resource requests").containsKeys("cpu", "memory");
			assertThat(limits).as(name + " resource limits").containsKeys("cpu", "memory");
			assertThat(container.getVolumeMounts()).as(name + ": an emptyDir spool")
				.anyMatch(mount -> mount.getMountPath().equals("/spool") && emptyDirs.contains(mount.getName()));
			assertThat(container.getVolumeMounts().stream().map(VolumeMount::getMountPath))
				.as(name + ": a writable /tmp")
				.contains("/tmp");
			for (EnvVar env : container.getEnv()) {
				if (SECRET_NAME.matcher(env.getName()).matches()) {
					assertThat(env.getValue()).as(name + ": " + env.getName() + " is not written inline").isNull();
					assertThat(env.getValueFrom().getSecretKeyRef())
						.as(name + ": " + env.getName() + " comes from a Secret")
						.isNotNull();
				}
			}
		}
	}

	private List<JsonNode> render(String kustomization) throws Exception {
		Process kubectl = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve(kustomization).toString())
			.redirectErrorStream(false)
			.start();
		String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		String err = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(kubectl.waitFor()).as("kubectl kustomize " + kustomization + ": " + err).isZero();
		assertThat(err).as("kustomize warnings (deprecated fields)").isBlank();
		List<JsonNode> documents = new ArrayList<>();
		try (var parser = this.yaml.getFactory().createParser(out)) {
			this.yaml.readValues(parser, JsonNode.class).forEachRemaining(node -> {
				if (node != null && !node.isEmpty()) {
					documents.add(node);
				}
			});
		}
		return documents;
	}

	/**
	 * The fabric8 model keeps fields it does not know in {@code additionalProperties};
	 * strict parsing means that map is empty everywhere in the object tree.
	 */
	private static void assertNoUnknownFields(Object object, String path) throws Exception {
		if (object == null || !object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
			return;
		}
		for (Method getter : object.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
					|| getter.getName().equals("getClass")) {
				continue;
			}
			Object value = getter.invoke(object);
			String field = path + "." + Introspector.decapitalize(getter.getName().substring(3));
			if (getter.getName().equals("getAdditionalProperties")) {
				assertThat((Map<?, ?>) value).as("unknown fields at " + path).isNullOrEmpty();
			}
			else if (value instanceof Collection<?> items) {
				int i = 0;
				for (Object item : items) {
					assertNoUnknownFields(item, field + "[" + i++ + "]");
				}
			}
			else {
				assertNoUnknownFields(value, field);
			}
		}
	}

}
