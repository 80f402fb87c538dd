using System.Diagnostics;
using Partnumber.Client.InteropTests.Infrastructure;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>Nothing listens at all (refused connection): needs no peer.</summary>
public sealed class NoServerScenarios
{
    [Fact]
    public async Task Refused_connection_throws_PartnumberConnectionException_within_ConnectTimeout()
    {
        var port = FreePort.Pick();
        var connectTimeout = TimeSpan.FromSeconds(2);
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            ConnectTimeout = connectTimeout,
            ClassificationTimeout = TimeSpan.FromSeconds(30),
        });
        var clock = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-REFUSED")).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.IsType<PartnumberConnectionException>(error);
        Assert.True(clock.Elapsed < connectTimeout + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Refused_connection_on_PingAsync_throws_PartnumberConnectionException_within_ConnectTimeout()
    {
        var port = FreePort.Pick();
        var connectTimeout = TimeSpan.FromSeconds(2);
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            ConnectTimeout = connectTimeout,
        });
        var clock = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => client.PingAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.IsType<PartnumberConnectionException>(error);
        Assert.True(clock.Elapsed < connectTimeout + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }
}
