using Deque.AxeCore.Playwright;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>The page is usable with a keyboard and a screen reader, and on a phone-width screen.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture fixture)
{
    [SkippableFact]
    public async Task Axe_finds_no_serious_or_critical_violation_on_the_finished_page()
    {
        var partnumber = SingleClassificationTests.Unique("PN-A11Y");
        fixture.Fake.ForPartnumber(partnumber).Progress("Lendo o pedido").Finish("Válvula", new { ncm = "8481.30.00" });
        await using var page = await fixture.OpenAsync();
        await page.ClassifyWithKeyboardAsync(partnumber);
        await page.ResultTableAsync();
        await page.Page.Locator("#batch-partnumbers").FillAsync($"{partnumber}\nPN-A11Y-2");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Classify batch" }).ClickAsync();
        await Expect(page.Page.Locator("#batch-state")).ToHaveTextAsync("· finished");

        var results = await page.Page.RunAxe();

        var blocking = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(blocking.Count == 0, "axe: " + string.Join("; ", blocking.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target))}")));
    }

    [SkippableFact]
    public async Task Every_input_has_a_label_and_the_form_works_from_the_keyboard_alone()
    {
        await using var page = await fixture.OpenAsync();

        foreach (var label in new[] { "Partnumber (required)", "Description", "Manufacturer", "Supplier", "Partnumbers, one per line (at most 200)", "At once" })
        {
            await Expect(page.Page.GetByLabel(label, new() { Exact = true })).ToBeVisibleAsync();
        }

        // Tab order: partnumber, description, manufacturer, supplier, then the Classify button, which Enter presses.
        var partnumber = SingleClassificationTests.Unique("PN-KEYS");
        await page.Page.Locator("#partnumber").FocusAsync();
        await page.Page.Keyboard.TypeAsync(partnumber);
        for (var i = 0; i < 4; i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
        }

        Assert.Equal("classify", await page.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Page.Keyboard.PressAsync("Enter");
        Assert.Equal(partnumber, (await page.ResultTableAsync())["Partnumber"]);
    }

    [SkippableFact]
    public async Task On_a_phone_width_screen_nothing_scrolls_sideways()
    {
        var partnumber = SingleClassificationTests.Unique("PN-PHONE-WITH-A-RATHER-LONG-NAME");
        fixture.Fake.ForPartnumber(partnumber).Progress("Lendo o pedido").Finish("Válvula de retenção com descrição longa", new { ncm = "8481.30.00" });
        await using var page = await fixture.OpenAsync(width: 360, height: 740);
        await page.ClassifyAsync(partnumber);
        await page.ResultTableAsync();

        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 360 px screen");
    }
}
