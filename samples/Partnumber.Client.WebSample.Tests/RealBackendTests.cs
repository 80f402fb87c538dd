namespace Partnumber.Client.WebSample.Tests;

/// <summary>The page against the real thing: Flask-SocketIO under eventlet (the interop suite's backend).</summary>
[Collection(BrowserCollection.Name)]
public sealed class RealBackendTests(BrowserFixture fixture)
{
    [SkippableFact]
    public async Task Against_Flask_SocketIO_the_bar_follows_every_step_to_100_percent_and_the_result_is_shown()
    {
        Requirements.RequireChromium();
        Requirements.RequireFlask();
        await using var flask = await FlaskBackend.StartAsync("--steps", "4", "--delay", "0.1");
        await using var app = await WebSampleHost.StartAsync(flask.BaseAddress);
        await using var page = await fixture.OpenAsync(app);
        await Expect(page.Page.Locator("#backend")).ToContainTextAsync(flask.BaseAddress.ToString());
        var partnumber = SingleClassificationTests.Unique("PN-FLASK");

        await page.ClassifyWithKeyboardAsync(partnumber, manufacturer: "ACME");

        var table = await page.ResultTableAsync();
        var steps = await page.StepTextsAsync();
        Assert.Equal(4, steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            Assert.StartsWith($"Step {i + 1} of 4", steps[i], StringComparison.Ordinal);
        }

        Assert.Equal(100, await page.ProgressValueAsync());
        Assert.Equal(partnumber, table["Partnumber"]);
        Assert.Equal($"Descrição detalhada do produto a partir do partnumber {partnumber}", table["Description"]);
        Assert.Equal("done", table["Status"]);
        Assert.Equal("websocket", table["Transport"]);
        Assert.Matches("^[0-9a-f-]{36}$", table["Task id"]);
    }
}
