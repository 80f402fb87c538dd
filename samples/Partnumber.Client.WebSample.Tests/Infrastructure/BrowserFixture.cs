namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>
/// Shared by the browser tests (one collection, run one after the other on this 2-core machine): one headless Debian
/// chromium driven by Playwright, one fake backend the tests script per partnumber, and the web sample against it.
/// Each test opens its own browser context (its own cookies, cache and connections).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Chromium's flags: we run as root (no sandbox), and this closed network refuses Chromium's own
    /// background connections, so they are turned off rather than left to fail.</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>How long an expectation on the page waits: generous, the machine is shared and has 2 cores.</summary>
    public const float ExpectTimeoutMs = 20_000;

    /// <summary>How long the tests wait for the fake's journal to show something (a closed connection...).</summary>
    public static readonly TimeSpan JournalBound = TimeSpan.FromSeconds(10);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The fake backend of the shared web app; script unique partnumbers per test.</summary>
    public FakePartnumberServer Fake { get; private set; } = null!;

    /// <summary>The web sample against <see cref="Fake"/>.</summary>
    public WebSampleHost App { get; private set; } = null!;

    /// <summary>The browser (after <see cref="Requirements.RequireChromium"/>).</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("chromium is not running: " + Requirements.ChromiumMissing());

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(ExpectTimeoutMs);
        Fake = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { JournalWaitTimeout = JournalBound });
        App = await WebSampleHost.StartAsync(Fake.BaseAddress);

        // Without chromium the tests skip (or fail under CI) one by one, saying why; nothing to launch here.
        if (Requirements.ChromiumMissing() is null)
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Requirements.Chromium,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = 60_000,
            });
        }
    }

    /// <summary>A new context and page on <paramref name="app"/> (default: the shared one), after the chromium check.</summary>
    public async Task<SamplePage> OpenAsync(WebSampleHost? app = null, int width = 1000, int height = 900)
    {
        Requirements.RequireChromium();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (app ?? App).Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
        });
        try
        {
            var page = await context.NewPageAsync();
            var samplePage = new SamplePage(context, page, (app ?? App).Address);
            await samplePage.GotoAsync();
            return samplePage;
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Fake is not null)
        {
            await Fake.DisposeAsync();
        }
    }
}

/// <summary>The browser tests share one <see cref="BrowserFixture"/> and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Browser";
}
