namespace Partnumber.Client.WebSample.Tests;

/// <summary>The batch view in headless chromium: many rows updated live from one SSE stream.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BatchTests(BrowserFixture fixture)
{
    [SkippableFact]
    public async Task Fifty_partnumbers_at_concurrency_8_every_row_ends_done_or_failed_and_the_counts_add_up()
    {
        var partnumbers = Enumerable.Range(1, 50).Select(i => SingleClassificationTests.Unique($"B{i:00}")).ToArray();
        var failing = partnumbers.Where((_, i) => i % 5 == 4).ToHashSet(StringComparer.Ordinal);
        foreach (var partnumber in partnumbers)
        {
            var script = fixture.Fake.ForPartnumber(partnumber).Progress("Lendo o pedido", TimeSpan.FromMilliseconds(20));
            if (failing.Contains(partnumber))
            {
                script.FailInUpdate("Fabricante desconhecido", TimeSpan.FromMilliseconds(20));
            }
            else
            {
                script.Progress("Gerando classificação", TimeSpan.FromMilliseconds(20)).Finish($"Descrição de {partnumber}");
            }
        }

        await using var page = await fixture.OpenAsync();
        await page.Page.Locator("#batch-partnumbers").FillAsync(string.Join('\n', partnumbers));
        await page.Page.Locator("#batch-concurrency").FillAsync("8");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Classify batch" }).ClickAsync();

        await Expect(page.Page.Locator("#batch-state")).ToHaveTextAsync("· finished", new() { Timeout = 60_000 });
        var rows = page.Page.Locator("#batch-table tbody tr");
        await Expect(rows).ToHaveCountAsync(50);
        var statuses = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.status)");
        var names = await rows.Locator("td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal(partnumbers, names);
        Assert.All(statuses, s => Assert.Contains(s, new[] { "done", "failed" }));
        for (var i = 0; i < partnumbers.Length; i++)
        {
            Assert.Equal(failing.Contains(partnumbers[i]) ? "failed" : "done", statuses[i]);
        }

        await Expect(page.Page.Locator("#batch-done")).ToHaveTextAsync("40");
        await Expect(page.Page.Locator("#batch-failed")).ToHaveTextAsync("10");
        await Expect(page.Page.Locator("#batch-total")).ToHaveTextAsync("50");
        await Expect(rows.Filter(new() { HasText = "ClassificationFailedException: " })).ToHaveCountAsync(10);

        // Bounded: never more than 8 of them in flight at the backend (from the POST to the task's last event), and more
        // than one at a time, or the concurrency was not used.
        var inFlight = MaxOverlap(partnumbers.Select(TaskSpan).ToList());
        Assert.InRange(inFlight, 2, 8);
    }

    private (DateTimeOffset Start, DateTimeOffset End) TaskSpan(string partnumber)
    {
        var post = Assert.Single(fixture.Fake.Journal.Requests, r => r.Partnumber == partnumber);
        var last = fixture.Fake.Journal.Events.Where(e => e.Room == post.RoomId).Max(e => e.Timestamp);
        return (post.Timestamp, last);
    }

    private static int MaxOverlap(List<(DateTimeOffset Start, DateTimeOffset End)> spans)
    {
        var edges = spans.SelectMany(s => new[] { (At: s.Start, Delta: 1), (At: s.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta); // an end before a start at the same instant
        int current = 0, max = 0;
        foreach (var (_, delta) in edges)
        {
            current += delta;
            max = Math.Max(max, current);
        }

        return max;
    }
}
