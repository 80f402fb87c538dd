namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>The web sample's page in one browser context: what a person fills in, clicks and reads.</summary>
public sealed class SamplePage : IAsyncDisposable
{
    private readonly List<string> _requestedUrls = [];

    public SamplePage(IBrowserContext context, IPage page, Uri appAddress)
    {
        Context = context;
        Page = page;
        AppAddress = appAddress;
        page.Request += (_, request) =>
        {
            lock (_requestedUrls)
            {
                _requestedUrls.Add(request.Url);
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public Uri AppAddress { get; }

    public ILocator ClassifyButton => Page.GetByRole(AriaRole.Button, new() { Name = "Classify", Exact = true });

    public ILocator CancelButton => Page.Locator("#cancel");

    public ILocator Progress => Page.Locator("#progress");

    public ILocator ProgressPercent => Page.Locator("#progress-percent");

    public ILocator ProgressLabel => Page.Locator("#progress-label");

    public ILocator Steps => Page.Locator("#progress-steps li");

    public ILocator Result => Page.Locator("#result");

    public ILocator Error => Page.Locator("#error");

    /// <summary>Every URL the page requested so far.</summary>
    public IReadOnlyList<string> RequestedUrls
    {
        get
        {
            lock (_requestedUrls)
            {
                return [.. _requestedUrls];
            }
        }
    }

    public async Task GotoAsync()
    {
        await Page.GotoAsync("/");
        await Expect(Page.Locator("#backend")).Not.ToHaveTextAsync("Backend: …");
    }

    /// <summary>Fills the form with the keyboard (focus, type, Tab to the next field) and submits it with Enter.</summary>
    public async Task ClassifyWithKeyboardAsync(string partnumber, string? description = null, string? manufacturer = null, string? supplier = null)
    {
        await Page.Locator("#partnumber").FocusAsync();
        await Page.Keyboard.PressAsync("Control+A");
        await Page.Keyboard.TypeAsync(partnumber);
        foreach (var value in new[] { description, manufacturer, supplier })
        {
            await Page.Keyboard.PressAsync("Tab");
            await Page.Keyboard.PressAsync("Control+A");
            await Page.Keyboard.TypeAsync(value ?? string.Empty);
        }

        await Page.Locator("#partnumber").FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
    }

    /// <summary>Fills the partnumber and clicks Classify.</summary>
    public async Task ClassifyAsync(string partnumber)
    {
        await Page.Locator("#partnumber").FillAsync(partnumber);
        await ClassifyButton.ClickAsync();
    }

    /// <summary>The result table as field → value, once it is shown.</summary>
    public async Task<Dictionary<string, string>> ResultTableAsync()
    {
        await Expect(Result).ToBeVisibleAsync();
        var rows = await Result.Locator("tbody tr").AllAsync();
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            table[await row.Locator("th").InnerTextAsync()] = await row.Locator("td").InnerTextAsync();
        }

        return table;
    }

    /// <summary>The texts of the step list, in order.</summary>
    public async Task<IReadOnlyList<string>> StepTextsAsync() => await Steps.AllInnerTextsAsync();

    /// <summary>The bar's value (its <c>value</c> property; null while indeterminate).</summary>
    public async Task<double?> ProgressValueAsync() =>
        await Progress.EvaluateAsync<double?>("bar => bar.hasAttribute('value') ? bar.value : null");

    /// <summary>From now on, records every percentage the bar's label shows (a MutationObserver in the page).</summary>
    public async Task RecordPercentagesAsync() => await Page.EvaluateAsync(
        """
        () => {
          const label = document.getElementById('progress-percent');
          window.recordedPercentages = [];
          new MutationObserver(() => window.recordedPercentages.push(label.textContent))
            .observe(label, { childList: true, characterData: true, subtree: true });
        }
        """);

    /// <summary>The percentages recorded since <see cref="RecordPercentagesAsync"/>, blanks and repeats left out.</summary>
    public async Task<IReadOnlyList<string>> RecordedPercentagesAsync()
    {
        var recorded = await Page.EvaluateAsync<string[]>("() => window.recordedPercentages");
        var shown = new List<string>();
        foreach (var text in recorded.Where(t => t.Length > 0))
        {
            if (shown.Count == 0 || shown[^1] != text)
            {
                shown.Add(text);
            }
        }

        return shown;
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
