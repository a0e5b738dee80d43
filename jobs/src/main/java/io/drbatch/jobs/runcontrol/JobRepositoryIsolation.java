package io.drbatch.jobs.runcontrol;

import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.transaction.interceptor.NameMatchTransactionAttributeSource;
import org.springframework.transaction.interceptor.TransactionAttributeSource;
import org.springframework.transaction.interceptor.TransactionInterceptor;

/**
 * Keeps the job repository's SERIALIZABLE transactions to the calls that need them.
 * Spring Batch runs every {@code create*} call of the repository SERIALIZABLE, so that
 * two processes cannot both start one job instance. That covers
 * {@code createStepExecution} too, which guards nothing across processes (an execution's
 * steps belong to the one process that runs it), and on PostgreSQL two sources run side
 * by side in one process ({@code drbatch.fleet.parallelism}, a scheduler fire) start
 * their steps at the same moment and one commit can be cancelled as a serialization
 * pivot, failing that source's job. Here only creating a job instance or execution and
 * reading the last execution (the launch's check, retried by {@link LaunchRetry}) stay
 * SERIALIZABLE; every other call runs at the connection's isolation, as Spring Batch runs
 * all calls but {@code create*}.
 *
 * <p>
 * Applied to the repository proxy Spring Batch builds (its transaction interceptor gets
 * these rules); should that proxy ever look different, the repository is left as it is
 * and a warning says so. Stateless; thread-safe.
 */
public final class JobRepositoryIsolation implements BeanPostProcessor {

	private static final Logger log = LoggerFactory.getLogger(JobRepositoryIsolation.class);

	private static final String SERIALIZABLE = "PROPAGATION_REQUIRED,ISOLATION_SERIALIZABLE";

	/** The rules: method name pattern to transaction attribute. */
	static TransactionAttributeSource rules() {
		Properties rules = new Properties();
		rules.setProperty("createJobInstance", SERIALIZABLE);
		rules.setProperty("createJobExecution", SERIALIZABLE);
		rules.setProperty("getLastJobExecution*", SERIALIZABLE);
		rules.setProperty("*", "PROPAGATION_REQUIRED");
		NameMatchTransactionAttributeSource source = new NameMatchTransactionAttributeSource();
		source.setProperties(rules);
		return source;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof JobRepository)) {
			return bean;
		}
		boolean applied = false;
		if (bean instanceof Advised advised) {
			for (Advisor advisor : advised.getAdvisors()) {
				if (advisor.getAdvice() instanceof TransactionInterceptor interceptor) {
					interceptor.setTransactionAttributeSource(rules());
					applied = true;
				}
			}
		}
		if (!applied) {
			log.warn(
					"Job repository '{}' has no transaction interceptor to adjust: every create* call stays"
							+ " SERIALIZABLE, and sources run side by side may fail on a serialization conflict",
					beanName);
		}
		return bean;
	}

}
