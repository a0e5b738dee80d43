package io.drbatch.jobs;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Boots the jobs module on its own for job tests: every job configuration, the JDBC job
 * repository.
 */
@SpringBootApplication
public class JobsTestApplication {

}
