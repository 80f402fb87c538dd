using System.Text;
using Partnumber.Client.Sample;

namespace Partnumber.Client.Sample.Tests;

/// <summary>The sample's CSV reading, batch planning and journal resume logic.</summary>
public sealed class CsvAndJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pn-sample-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reads_UTF8_with_or_without_BOM_and_RFC4180_quoting(bool bom)
    {
        var path = Write("parts.csv", "partnumber,description,manufacturer,supplier\n" +
            "PN-1,\"Parafuso, M8 \"\"sextavado\"\"\",ACME,Fornecedor Ç\n" +
            "PN-2,\"two\nlines\",,\n" +
            "PN-3,,,\n", bom);

        var rows = PartsCsv.Read(path).ToList();

        Assert.Equal(3, rows.Count);
        Assert.Equal("PN-1", rows[0].Request!.Partnumber);
        Assert.Equal("Parafuso, M8 \"sextavado\"", rows[0].Request!.Description);
        Assert.Equal("ACME", rows[0].Request!.Manufacturer);
        Assert.Equal("Fornecedor Ç", rows[0].Request!.Supplier);
        Assert.Equal("two\nlines", rows[1].Request!.Description);
        Assert.Null(rows[1].Request!.Manufacturer);
        Assert.Equal(new[] { 2, 3, 5 }, rows.Select(r => r.Line));
    }

    [Fact]
    public void Header_order_and_case_do_not_matter_and_optional_columns_may_be_absent()
    {
        var rows = PartsCsv.Read(new StringReader("Supplier, PartNumber\nS1,PN-1\n")).ToList();

        var request = Assert.Single(rows).Request!;
        Assert.Equal("PN-1", request.Partnumber);
        Assert.Equal("S1", request.Supplier);
        Assert.Null(request.Description);
    }

    [Fact]
    public void Rows_without_partnumber_are_reported_with_their_line_number()
    {
        var rows = PartsCsv.Read(new StringReader("partnumber,description\nPN-1,a\n,b\n   ,c\n\"\",\"d\ne\"\nPN-2,f\n")).ToList();

        Assert.Equal(new[] { (3, "no partnumber"), (4, "no partnumber"), (5, "no partnumber") },
            rows.Where(r => r.Problem is not null).Select(r => (r.Line, r.Problem!)));
        Assert.Equal(7, rows.Last().Line);
    }

    [Fact]
    public void CRLF_line_endings_keep_the_line_numbers_right()
    {
        var rows = PartsCsv.Read(new StringReader("partnumber,description\r\nPN-1,\"a\r\nb\"\r\n,x\r\nPN-2,c\r\n")).ToList();

        Assert.Equal(new[] { 2, 4, 5 }, rows.Select(r => r.Line));
        Assert.Equal("a\r\nb", rows[0].Request!.Description);
        Assert.Equal("no partnumber", rows[1].Problem);
    }

    [Fact]
    public void A_header_without_partnumber_is_an_error()
    {
        Assert.Throws<InvalidDataException>(() => PartsCsv.Read(new StringReader("sku,description\nA,b\n")).ToList());
    }

    [Fact]
    public void The_plan_classifies_duplicates_once_and_skips_what_is_done_lazily()
    {
        var pulled = 0;
        IEnumerable<CsvPart> Rows()
        {
            foreach (var row in PartsCsv.Read(new StringReader("partnumber\nA\nB\nA\n\nC\nB\nD\n")))
            {
                pulled++;
                yield return row;
            }
        }

        var plan = new BatchPlan(Rows, new HashSet<string> { "C" });

        using (var e = plan.Requests().GetEnumerator())
        {
            Assert.True(e.MoveNext());
            Assert.Equal("A", e.Current.Request.Partnumber);
            Assert.Equal(1, pulled);
        }

        var requests = plan.Requests().ToList();
        Assert.Equal(new[] { "A", "B", "D" }, requests.Select(r => r.Request.Partnumber));
        Assert.Equal(new[] { 2, 3, 8 }, requests.Select(r => r.Line));
        Assert.Equal(2, plan.Duplicates);
        Assert.Equal(1, plan.AlreadyDone);
        Assert.Equal(3, plan.Yielded);
    }

    [Fact]
    public void The_journal_round_trips_and_a_rerun_skips_only_what_is_done()
    {
        var path = Path.Combine(_dir, "results.jsonl");
        using (var journal = ResultJournal.Open(path))
        {
            journal.Append(Entry("PN-1", "done"));
            journal.Append(Entry("PN-2", "failed"));
            journal.Append(Entry("PN-3", "done"));
            journal.Append(Entry("PN-2", "done")); // a retry that succeeded later
            journal.Append(Entry("PN-4", "failed"));
        }

        var state = JournalState.Load(path);

        Assert.Equal(5, state.Lines);
        Assert.Equal(0, state.Unreadable);
        Assert.False(state.EndsMidLine);
        Assert.Equal(new[] { "PN-1", "PN-2", "PN-3" }, state.Done.Order());
        var line = File.ReadLines(path).First();
        Assert.Contains("\"partnumber\":\"PN-1\"", line, StringComparison.Ordinal);
        Assert.Contains("\"task_id\":\"task-PN-1\"", line, StringComparison.Ordinal);
        Assert.Contains("\"elapsed_ms\":12", line, StringComparison.Ordinal);
        Assert.Contains("\"payload\":{\"extra\":\"ç\"}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_torn_by_a_crash_is_ignored_and_the_next_entry_starts_on_a_fresh_line()
    {
        var path = Path.Combine(_dir, "results.jsonl");
        using (var journal = ResultJournal.Open(path))
        {
            journal.Append(Entry("PN-1", "done"));
        }

        File.AppendAllText(path, "{\"partnumber\":\"PN-2\",\"sta");

        var torn = JournalState.Load(path);
        Assert.True(torn.EndsMidLine);
        Assert.Equal(1, torn.Unreadable);
        Assert.Equal(new[] { "PN-1" }, torn.Done);

        using (var journal = ResultJournal.Open(path))
        {
            journal.Append(Entry("PN-2", "done"));
        }

        var after = JournalState.Load(path);
        Assert.Equal(new[] { "PN-1", "PN-2" }, after.Done.Order());
        Assert.Equal(1, after.Unreadable);
        Assert.False(after.EndsMidLine);
    }

    [Fact]
    public void Cancelled_outcomes_are_not_journaled_and_failures_keep_their_kind()
    {
        var request = new ClassificationRequest("PN-1");
        Assert.Null(JournalEntry.FromOutcome(new ClassificationOutcome(0, request, null, new OperationCanceledException(), TimeSpan.Zero), 2));

        var timeout = JournalEntry.FromOutcome(new ClassificationOutcome(0, request, null, new ClassificationTimeoutException("no result after 30 s"), TimeSpan.FromSeconds(30)), 2)!;
        Assert.Equal("failed", timeout.Status);
        Assert.Equal("timeout", timeout.ErrorType);
        Assert.Equal("no result after 30 s", timeout.Error);
        Assert.Equal(30000, timeout.ElapsedMs);
    }

    private static JournalEntry Entry(string partnumber, string status)
    {
        using var doc = System.Text.Json.JsonDocument.Parse("{\"extra\":\"ç\"}");
        return new JournalEntry(partnumber, status, "d", "task-" + partnumber, status == "done" ? null : "boom", status == "done" ? null : "failed", doc.RootElement.Clone(), 12, 2);
    }

    private string Write(string name, string text, bool bom)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(bom));
        return path;
    }
}
