using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>Flask-SocketIO under eventlet (WebSocket) reached by a service-discovery name.</summary>
public sealed class FlaskServiceDiscoveryScenarios(FlaskFixture fixture, ITestOutputHelper output)
    : ServiceDiscoveryScenarios<FlaskFixture>(fixture, output);

/// <summary>Flask-SocketIO in threading mode (long-polling only) reached by a service-discovery name.</summary>
public sealed class FlaskThreadingServiceDiscoveryScenarios(FlaskThreadingFixture fixture, ITestOutputHelper output)
    : ServiceDiscoveryScenarios<FlaskThreadingFixture>(fixture, output);

/// <summary>Node's socket.io reached by a service-discovery name.</summary>
public sealed class NodeServiceDiscoveryScenarios(NodeFixture fixture, ITestOutputHelper output)
    : ServiceDiscoveryScenarios<NodeFixture>(fixture, output);

/// <summary>
/// Issue 24, item 3 against real servers: a client registered by the host builder with <c>AddServiceDiscovery()</c>
/// and <c>BaseAddress = https+http://classifier</c>, the name configured (<c>Services:classifier:http</c>) to the
/// peer's address. "classifier" has no DNS entry, so a classification that completes went to the resolved endpoint
/// for its POST and for its realtime connection.
/// </summary>
public abstract class ServiceDiscoveryScenarios<TFixture>(TFixture fixture, ITestOutputHelper output)
    : ScenarioBase<TFixture>(fixture, output), IClassFixture<TFixture>
    where TFixture : PeerFixture
{
    [SkippableFact]
    public Task A_service_name_configured_to_the_peer_classifies_and_reconnects_there() => RunAsync(async s =>
    {
        var pn = NewPartnumber("sd");
        var kicked = NewPartnumber("sdkick");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2 }, new PeerScript(kicked) { Steps = 3, KickAtStep = 1 });
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "https+http://classifier",
            ["Partnumber:ClassificationTimeout"] = "00:00:30",
            ["Services:classifier:http:0"] = s.Deployment.BaseAddress.GetLeftPart(UriPartial.Authority),
        });
        builder.Services.AddServiceDiscovery();
        builder.AddPartnumberClassificationClient(configureSettings: settings => settings.DisableHealthChecks = true);
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<IPartnumberClassificationClient>();

        var outcome = await CollectAsync(client.ClassifyAsync(new ClassificationRequest(pn)));
        var afterKick = await CollectAsync(client.ClassifyAsync(new ClassificationRequest(kicked)));

        AssertCompleted(outcome, pn);
        AssertCompleted(afterKick, kicked); // the reconnect resolved the name again and rejoined at the peer
        Assert.Single(await s.Deployment.ReceivedRequestsAsync(pn));
    });
}
