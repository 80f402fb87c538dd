using System.Diagnostics;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Node's socket.io server over https/wss with a self-signed certificate: the TLS set-up of <see cref="TlsScenarios"/>
/// on the reference implementation (a few scenarios; the full set runs over TLS against Flask).
/// </summary>
public sealed class NodeTlsScenarios(NodeTlsFixture fixture, ITestOutputHelper output)
    : ScenarioBase<NodeTlsFixture>(fixture, output), IClassFixture<NodeTlsFixture>
{
    [SkippableFact]
    public Task Happy_path_over_https_and_wss_with_a_pinned_certificate() => RunAsync(async s =>
    {
        var pn = NewPartnumber("ntls");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EchoRequest = true });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn) { Supplier = "Fornecedor" }));

        var result = AssertCompleted(outcome, pn);
        Assert.Equal([1, 2], outcome.Progress.Select(u => u.Current ?? -1));
        Assert.Equal("Fornecedor", Text(Property(result.Payload, "received"), "supplier"));
        Assert.Equal(Uri.UriSchemeHttps, s.Deployment.BaseAddress.Scheme);
    });

    [SkippableFact]
    public Task PingAsync_over_wss() => RunAsync(async s =>
    {
        await using var tc = s.CreateClient();

        var rtt = await tc.Client.PingAsync();

        Assert.InRange(rtt, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(5));
    });

    [SkippableFact]
    public Task Without_application_certificate_validation_the_self_signed_server_is_refused() => RunAsync(async s =>
    {
        var pn = NewPartnumber("nuntrusted");
        var connectTimeout = TimeSpan.FromSeconds(5);
        await using var tc = s.CreateClient(o => o.ConnectTimeout = connectTimeout, trustCertificate: false);
        var clock = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));

        Assert.IsType<PartnumberConnectionException>(error);
        Assert.True(clock.Elapsed < connectTimeout + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Empty(await s.Deployment.ReceivedRequestsAsync(pn));
    });
}
