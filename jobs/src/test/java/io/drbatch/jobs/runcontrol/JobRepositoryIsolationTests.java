package io.drbatch.jobs.runcontrol;

import java.lang.reflect.Method;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.interceptor.TransactionAttribute;
import org.springframework.transaction.interceptor.TransactionInterceptor;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job repository the application gets (Spring Boot's, adjusted by
 * {@link JobRepositoryIsolation}): creating a job instance or execution and reading the
 * last execution run SERIALIZABLE, creating a step execution and every other call at the
 * connection's isolation.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class JobRepositoryIsolationTests {

	private static final String BUCKET = TestS3.newBucket("repo-isolation");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		JobTestSupport.register(registry, "repo_isolation", "postgres", BUCKET);
	}

	@Autowired
	JobRepository jobRepository;

	@Test
	void onlyTheLaunchsCallsAreSerializable() throws Exception {
		assertThat(isolationOf("createJobInstance")).isEqualTo(TransactionDefinition.ISOLATION_SERIALIZABLE);
		assertThat(isolationOf("createJobExecution")).isEqualTo(TransactionDefinition.ISOLATION_SERIALIZABLE);
		assertThat(isolationOf("getLastJobExecution")).isEqualTo(TransactionDefinition.ISOLATION_SERIALIZABLE);
		assertThat(isolationOf("createStepExecution")).isEqualTo(TransactionDefinition.ISOLATION_DEFAULT);
		assertThat(isolationOf("update")).isEqualTo(TransactionDefinition.ISOLATION_DEFAULT);
	}

	private int isolationOf(String methodName) {
		assertThat(this.jobRepository).isInstanceOf(Advised.class);
		List<TransactionInterceptor> interceptors = java.util.Arrays
			.stream(((Advised) this.jobRepository).getAdvisors())
			.map(Advisor::getAdvice)
			.filter(TransactionInterceptor.class::isInstance)
			.map(TransactionInterceptor.class::cast)
			.toList();
		assertThat(interceptors).hasSize(1);
		Method method = java.util.Arrays.stream(JobRepository.class.getMethods())
			.filter(m -> m.getName().equals(methodName))
			.filter(m -> !methodName.equals("update") || m.getParameterTypes()[0] == JobExecution.class)
			.findFirst()
			.orElseThrow();
		TransactionAttribute attribute = interceptors.get(0)
			.getTransactionAttributeSource()
			.getTransactionAttribute(method, JobRepository.class);
		assertThat(attribute).as(methodName).isNotNull();
		return attribute.getIsolationLevel();
	}

}
