package io.maintenance.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The external tools the tests run; scripts/services/monitoring.sh installs them. A missing one fails the test. */
final class Tools {
  /** The monitoring folder of the repository (this module's base directory). */
  static final Path MONITORING = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  private Tools() {}

  static Path tool(String variable) {
    String path = System.getenv(variable);
    assertThat(path).as(variable + " is not set: run the tests with scripts/test.sh (SERVICES=monitoring)").isNotBlank();
    assertThat(Path.of(path)).as(variable).isExecutable();
    return Path.of(path);
  }

  record Result(int exitCode, String output) {}

  static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("tool", ".log");
    Process p = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished in time: " + command).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    return new Result(p.exitValue(), out);
  }
}
