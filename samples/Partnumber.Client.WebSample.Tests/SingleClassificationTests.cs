using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>One classification in the page, in headless chromium, against the fake backend scripted per partnumber.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SingleClassificationTests(BrowserFixture fixture)
{
    private FakePartnumberServer Fake => fixture.Fake;

    [SkippableFact]
    public async Task The_bar_follows_every_step_in_order_to_100_percent_and_the_result_table_shows_the_payload()
    {
        var partnumber = Unique("PN-HAPPY");
        Fake.ForPartnumber(partnumber)
            .Progress("Lendo o pedido", TimeSpan.FromMilliseconds(80))
            .Progress("Consultando o catálogo", TimeSpan.FromMilliseconds(80))
            .Progress("Calculando a NCM", TimeSpan.FromMilliseconds(80))
            .Progress("Gerando classificação", TimeSpan.FromMilliseconds(80))
            .Finish("Válvula de retenção", new { ncm = "8481.30.00", confidence = 0.97 });
        await using var page = await fixture.OpenAsync();
        await page.RecordPercentagesAsync();

        await page.ClassifyWithKeyboardAsync(partnumber, description: "válvula", manufacturer: "ACME", supplier: "Distribuidora Sul");

        var table = await page.ResultTableAsync();
        Assert.Equal(
            ["Step 1 of 4: Lendo o pedido", "Step 2 of 4: Consultando o catálogo", "Step 3 of 4: Calculando a NCM", "Step 4 of 4: Gerando classificação"],
            await page.StepTextsAsync());
        Assert.Equal(["25 %", "50 %", "75 %", "100 %"], await page.RecordedPercentagesAsync());
        Assert.Equal(100, await page.ProgressValueAsync());
        await Expect(page.ProgressPercent).ToHaveTextAsync("100 %");

        var post = Assert.Single(Fake.Journal.Requests, r => r.Partnumber == partnumber);
        Assert.Contains("\"manufacturer\":\"ACME\"", post.Body, StringComparison.Ordinal);
        Assert.Contains("\"supplier\":\"Distribuidora Sul\"", post.Body, StringComparison.Ordinal);
        Assert.Equal(partnumber, table["Partnumber"]);
        Assert.Equal("Válvula de retenção", table["Description"]);
        Assert.Equal("done", table["Status"]);
        Assert.Equal(post.TaskId, table["Task id"]);
        Assert.Equal("websocket", table["Transport"]);
        Assert.Matches(@"^\d+\.\d\d s$", table["Elapsed"]);
        Assert.Equal("8481.30.00", table["ncm"]);
        Assert.Equal("0.97", table["confidence"]);
        await Expect(page.Error).ToBeHiddenAsync();

        // Everything the page loaded came from the app itself: no CDN, no other origin.
        Assert.All(page.RequestedUrls, url => Assert.StartsWith(page.AppAddress.ToString(), url, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_classification_that_fails_shows_ClassificationFailedException_and_its_message()
    {
        var partnumber = Unique("PN-FAILS");
        Fake.ForPartnumber(partnumber).Progress("Lendo o pedido").FailInUpdate("Fabricante desconhecido", TimeSpan.FromMilliseconds(50));
        await using var page = await fixture.OpenAsync();

        await page.ClassifyAsync(partnumber);

        await ExpectError(page, "ClassificationFailedException", "Fabricante desconhecido");
    }

    [SkippableFact]
    public async Task A_rejected_classification_shows_ClassificationRejectedException_with_the_status_code()
    {
        var partnumber = Unique("PN-REJECTED");
        Fake.ForPartnumber(partnumber).RespondWith(422, """{"error":"partnumber inválido"}""");
        await using var page = await fixture.OpenAsync();

        await page.ClassifyAsync(partnumber);

        await ExpectError(page, "ClassificationRejectedException", "422");
        await Expect(page.Error).ToContainTextAsync("partnumber inválido");
        Assert.Empty(await page.StepTextsAsync());
    }

    [SkippableFact]
    public async Task A_classification_past_ClassificationTimeout_shows_ClassificationTimeoutException()
    {
        Requirements.RequireChromium();
        var partnumber = Unique("PN-SLOW");
        Fake.ForPartnumber(partnumber).Progress("Lendo o pedido").NeverFinish();
        await using var app = await WebSampleHost.StartAsync(Fake.BaseAddress, new Dictionary<string, string?>
        {
            ["Partnumber:ClassificationTimeout"] = "00:00:03",
        });
        await using var page = await fixture.OpenAsync(app);

        await page.ClassifyAsync(partnumber);

        await ExpectError(page, "ClassificationTimeoutException", "(ClassificationTimeout)");
    }

    [SkippableFact]
    public async Task An_unreachable_backend_shows_PartnumberConnectionException()
    {
        Requirements.RequireChromium();
        await using var app = await WebSampleHost.StartAsync(new Uri($"http://127.0.0.1:{ClosedPort()}/"), new Dictionary<string, string?>
        {
            ["Partnumber:ConnectTimeout"] = "00:00:01",
        });
        await using var page = await fixture.OpenAsync(app);

        await page.ClassifyAsync(Unique("PN-NOBACKEND"));

        await ExpectError(page, "PartnumberConnectionException", "");
    }

    [SkippableTheory]
    [InlineData("cancel")]
    [InlineData("close the tab")]
    public async Task Leaving_mid_classification_closes_the_backend_connection_and_the_next_classification_works(string how)
    {
        var partnumber = Unique("PN-LEFT");
        Fake.ForPartnumber(partnumber).Progress("Lendo o pedido").NeverFinish();
        var page = await fixture.OpenAsync();
        try
        {
            await page.ClassifyAsync(partnumber);
            await Expect(page.Steps).ToHaveTextAsync(["Step 1 of 1: Lendo o pedido"]);
            var socketSessionId = Assert.Single(Fake.Journal.Requests, r => r.Partnumber == partnumber).SocketSessionId;
            Assert.False(Assert.Single(Fake.Journal.Sessions, s => s.SocketSessionId == socketSessionId).IsClosed);

            if (how == "cancel")
            {
                await page.CancelButton.ClickAsync();
                await Expect(page.ProgressLabel).ToHaveTextAsync("Cancelled.");
                await Expect(page.ClassifyButton).ToBeEnabledAsync();
            }
            else
            {
                await page.Page.CloseAsync();
            }

            // The browser leaving aborts the request, which cancels the classification: the SDK closes its connection.
            // Bounded by the journal's wait (BrowserFixture.JournalBound), which then fails listing what it saw.
            var closed = await Fake.Journal.WaitForClosedSessionAsync(s => s.SocketSessionId == socketSessionId);
            Assert.True(closed.IsClosed);

            var next = Unique("PN-NEXT");
            if (how == "cancel")
            {
                await page.ClassifyAsync(next);
                Assert.Equal(next, (await page.ResultTableAsync())["Partnumber"]);
            }
            else
            {
                await using var newTab = await fixture.OpenAsync();
                await newTab.ClassifyAsync(next);
                Assert.Equal(next, (await newTab.ResultTableAsync())["Partnumber"]);
            }
        }
        finally
        {
            await page.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Five_pages_classifying_at_once_each_show_only_their_own_progress_and_result()
    {
        var partnumbers = Enumerable.Range(1, 5).Select(i => Unique($"PN-PAGE{i}")).ToArray();
        foreach (var partnumber in partnumbers)
        {
            Fake.ForPartnumber(partnumber)
                .Progress($"{partnumber}: lendo", TimeSpan.FromMilliseconds(500))
                .Progress($"{partnumber}: consultando", TimeSpan.FromMilliseconds(500))
                .Progress($"{partnumber}: gerando", TimeSpan.FromMilliseconds(500))
                .Finish($"Descrição de {partnumber}");
        }

        var pages = new List<SamplePage>();
        try
        {
            foreach (var _ in partnumbers)
            {
                pages.Add(await fixture.OpenAsync());
            }

            await Task.WhenAll(pages.Select((page, i) => page.ClassifyAsync(partnumbers[i])));
            for (var i = 0; i < pages.Count; i++)
            {
                var table = await pages[i].ResultTableAsync();
                Assert.Equal(partnumbers[i], table["Partnumber"]);
                Assert.Equal($"Descrição de {partnumbers[i]}", table["Description"]);
                Assert.Equal(
                    [$"Step 1 of 3: {partnumbers[i]}: lendo", $"Step 2 of 3: {partnumbers[i]}: consultando", $"Step 3 of 3: {partnumbers[i]}: gerando"],
                    await pages[i].StepTextsAsync());
            }

            // The five really overlapped: each POST came before any of them finished.
            var posts = partnumbers.Select(p => Assert.Single(Fake.Journal.Requests, r => r.Partnumber == p)).ToList();
            var finishes = Fake.Journal.Events.Where(e => e.EventName == "classification_finished" && posts.Any(p => p.RoomId == e.Room)).ToList();
            Assert.Equal(5, finishes.Count);
            Assert.True(posts.Max(p => p.Timestamp) < finishes.Min(e => e.Timestamp), "the five classifications did not run at once");
        }
        finally
        {
            foreach (var page in pages)
            {
                await page.DisposeAsync();
            }
        }
    }

    internal static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task ExpectError(SamplePage page, string exceptionType, string messagePart)
    {
        await Expect(page.Error).ToBeVisibleAsync();
        await Expect(page.Error).ToHaveAttributeAsync("data-error-type", exceptionType);
        await Expect(page.Error).ToContainTextAsync(new Regex($"^{exceptionType}: .*{Regex.Escape(messagePart)}"));
        await Expect(page.Result).ToBeHiddenAsync();
        await Expect(page.ClassifyButton).ToBeEnabledAsync();
    }

    private static int ClosedPort()
    {
        // A port that was free a moment ago and has no listener now: connections to it are refused.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
