package io.drbatch.scheduler;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package graph of drbatch's main code, as the README's layout promises it: no cycle
 * between packages; the building blocks know no job and no Spring; jobs know no CLI,
 * scheduler or metrics; one job's package does not reach into another's.
 */
class PackageDependencyTests {

	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		// in the reactor after packaging, the modules' test classes come from their
		// test-jars
		.withImportOption(location -> !location.contains("-tests.jar"))
		.importPackages("io.drbatch");

	private static final String[] BUILDING_BLOCKS = { "io.drbatch.store..", "io.drbatch.pg..", "io.drbatch.codec..",
			"io.drbatch.manifest..", "io.drbatch.transfer..", "io.drbatch.failure.." };

	@Test
	void everyModulesClassesAreChecked() {
		org.assertj.core.api.Assertions.assertThat(MAIN.stream().map(c -> c.getPackageName()).distinct())
			.contains("io.drbatch.store", "io.drbatch.jobs.restore", "io.drbatch.scheduler.cli");
	}

	@Test
	void noPackageCycles() {
		slices().matching("io.drbatch.(**)").should().beFreeOfCycles().check(MAIN);
	}

	@Test
	void buildingBlocksKnowNoJobNoSchedulerAndNoSpring() {
		noClasses().that()
			.resideInAnyPackage(BUILDING_BLOCKS)
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("io.drbatch.jobs..", "io.drbatch.scheduler..", "org.springframework..")
			.check(MAIN);
	}

	@Test
	void jobsKnowNoCliNoSchedulerAndNoMetrics() {
		noClasses().that()
			.resideInAPackage("io.drbatch.jobs..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.drbatch.scheduler..")
			.check(MAIN);
	}

	@Test
	void aJobsPackageDoesNotReachIntoAnotherJobs() {
		String[] jobs = { "dailydump", "restore", "replication", "tiering", "retention", "objectlock" };
		for (String job : jobs) {
			String[] others = java.util.Arrays.stream(jobs)
				.filter(other -> !other.equals(job))
				.map(other -> "io.drbatch.jobs." + other + "..")
				.toArray(String[]::new);
			noClasses().that()
				.resideInAPackage("io.drbatch.jobs." + job + "..")
				.should()
				.dependOnClassesThat()
				.resideInAnyPackage(others)
				.check(MAIN);
		}
	}

}
