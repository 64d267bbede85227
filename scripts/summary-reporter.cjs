// Prints one plain closing line, "jest: N passed, N failed, N skipped", so tools that read a run's last line
// (and people skimming CI logs) see the totals without parsing jest's table.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suiteFailures =
      results.numFailedTestSuites > 0 && results.numFailedTests === 0 ? results.numFailedTestSuites : 0;
    process.stdout.write(
      `\njest: ${results.numPassedTests} passed, ${results.numFailedTests + suiteFailures} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
