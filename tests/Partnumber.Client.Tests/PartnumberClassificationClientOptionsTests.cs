namespace Partnumber.Client.Tests;

/// <summary>Invalid options fail at construction with an ArgumentException naming the setting.</summary>
public class PartnumberClassificationClientOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new PartnumberClassificationClientOptions();

        Assert.Equal("/classify-partnumber", options.ClassifyPath);
        Assert.Equal("/socket.io", options.SocketIOPath);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ClassificationTimeout);
        Assert.Empty(options.Headers);
        Assert.Null(options.SocketAddress);
        Assert.Equal(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, options.Transports);
        Assert.True(options.ReuseConnections);
        Assert.Equal(100, options.MaxClassificationsPerConnection);
        Assert.Equal(64, options.MaxIdleConnections);
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleConnectionTimeout);
        Assert.True(options.AcknowledgeImmediately);
        Assert.Equal(0, options.StandbyConnections);
    }

    public static TheoryData<Action<PartnumberClassificationClientOptions>, string> InvalidOptions => new()
    {
        { o => o.BaseAddress = null!, "BaseAddress" },
        { o => o.BaseAddress = new Uri("/relative", UriKind.Relative), "BaseAddress" },
        { o => o.BaseAddress = new Uri("ftp://example.test"), "BaseAddress" },
        { o => o.BaseAddress = new Uri("ws://localhost:5000"), "BaseAddress" },
        { o => o.SocketAddress = new Uri("ftp://example.test"), "SocketAddress" },
        { o => o.SocketAddress = new Uri("relative", UriKind.Relative), "SocketAddress" },
        { o => o.ConnectTimeout = TimeSpan.Zero, "ConnectTimeout" },
        { o => o.ConnectTimeout = TimeSpan.FromSeconds(-1), "ConnectTimeout" },
        { o => o.ClassificationTimeout = TimeSpan.Zero, "ClassificationTimeout" },
        { o => o.ClassifyPath = " ", "ClassifyPath" },
        { o => o.SocketIOPath = "", "SocketIOPath" },
        { o => o.TimeProvider = null!, "TimeProvider" },
        { o => o.Headers[" "] = "x", "Headers" },
        { o => o.Transports = PartnumberTransports.None, "Transports" },
        { o => o.Transports = (PartnumberTransports)4, "Transports" },
        { o => o.MaxClassificationsPerConnection = 0, "MaxClassificationsPerConnection" },
        { o => o.MaxIdleConnections = -1, "MaxIdleConnections" },
        { o => o.IdleConnectionTimeout = TimeSpan.Zero, "IdleConnectionTimeout" },
        { o => o.StandbyConnections = -1, "StandbyConnections" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void An_invalid_setting_throws_ArgumentException_naming_it_at_construction(Action<PartnumberClassificationClientOptions> breakIt, string setting)
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://localhost:5000") };
        breakIt(options);

        var error = Assert.Throws<ArgumentException>(() => new PartnumberClassificationClient(options));

        Assert.Equal(setting, error.ParamName);
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Null_arguments_throw_ArgumentNullException()
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://localhost:5000") };

        Assert.Throws<ArgumentNullException>("options", () => new PartnumberClassificationClient(null!));
        Assert.Throws<ArgumentNullException>("httpClient", () => new PartnumberClassificationClient(null!, options));
    }

    [Fact]
    public async Task The_client_copies_its_options_so_later_changes_do_not_affect_it()
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://localhost:5000") };
        await using var client = new PartnumberClassificationClient(options);

        options.BaseAddress = null!; // would be invalid if the client still read it
        options.Headers["X"] = "y";

        Assert.Throws<ArgumentException>(() => client.ClassifyAsync(new ClassificationRequest(" ")));
    }

    [Fact]
    public void A_given_HttpClient_is_never_disposed_by_the_client()
    {
        var handler = new DisposalTrackingHandler();
        using var http = new HttpClient(handler);
        var client = new PartnumberClassificationClient(http, new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://localhost:5000") });

        client.Dispose();

        Assert.False(handler.Disposed);
    }

    private sealed class DisposalTrackingHandler : HttpMessageHandler
    {
        public bool Disposed { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
