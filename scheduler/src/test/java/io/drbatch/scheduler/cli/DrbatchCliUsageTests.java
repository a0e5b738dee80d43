package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code drbatch --help} tells a newcomer, checked without starting Spring. */
class DrbatchCliUsageTests {

	private final CommandLine commandLine = new CommandLine(new DrbatchCli(Object.class));

	@Test
	void theFooterListsEveryExitCodeOnLinesThatFitATerminal() {
		List<String> footer = List.of(DrbatchCli.exitCodeFooter());

		for (ExitCode code : ExitCode.values()) {
			assertThat(footer).anySatisfy(
					line -> assertThat(line).matches(" +" + code.code() + "  " + Pattern.quote(code.meaning())));
		}
		assertThat(footer).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
	}

	@Test
	void everyCommandSummaryIsAWholeSentenceOnItsFirstLine() {
		// the command list of --help shows only the first line of each description
		for (CommandLine sub : this.commandLine.getSubcommands().values()) {
			String[] description = sub.getCommandSpec().usageMessage().description();
			assertThat(description).as(sub.getCommandName()).isNotEmpty();
			assertThat(description[0]).as(sub.getCommandName()).matches("[A-Z].*[.?]$").hasSizeLessThanOrEqualTo(66);
		}
	}

	@Test
	void theReadmeExitCodeTableHasExactlyTheCodesOfTheCli() throws IOException {
		String readme = Files.readString(readme());
		String table = readme.substring(readme.indexOf("### Exit codes"),
				readme.indexOf("Every failure prints one line"));
		Matcher rows = Pattern.compile("^\\| (\\d+) \\|", Pattern.MULTILINE).matcher(table);
		Set<Integer> documented = new java.util.TreeSet<>();
		while (rows.find()) {
			documented.add(Integer.parseInt(rows.group(1)));
		}
		assertThat(documented).isEqualTo(Stream.of(ExitCode.values())
			.map(ExitCode::code)
			.collect(Collectors.toCollection(java.util.TreeSet::new)));
	}

	@Test
	void listingsAcceptAFormatInAnyCase() {
		CommandLine.ParseResult parsed = this.commandLine.parseArgs("history", "--format", "JSON");
		DrbatchCli.History history = (DrbatchCli.History) parsed.subcommand().commandSpec().userObject();
		assertThat(history.output.format).isEqualTo(OutputFormat.JSON);
	}

	static Path readme() {
		Path here = Path.of("").toAbsolutePath();
		return Files.exists(here.resolve("README.md")) && Files.exists(here.resolve("scheduler"))
				? here.resolve("README.md") : here.getParent().resolve("README.md");
	}

}
