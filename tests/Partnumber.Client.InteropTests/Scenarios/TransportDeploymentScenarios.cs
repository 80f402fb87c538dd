using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>Flask-SocketIO in threading mode on Werkzeug, no WebSocket server: long-polling only (what <c>python app.py</c> gives on Debian 12 without eventlet).</summary>
public sealed class FlaskThreadingPollingOnlyScenarios(FlaskThreadingFixture fixture, ITestOutputHelper output)
    : WebSocketRefusedScenarios<FlaskThreadingFixture>(fixture, output);

/// <summary>nginx's plainest proxy_pass (no Upgrade forwarding) in front of Flask-SocketIO under eventlet: WebSocket offered but refused.</summary>
public sealed class NginxWithoutUpgradeScenarios(NginxWithoutUpgradeFixture fixture, ITestOutputHelper output)
    : WebSocketRefusedScenarios<NginxWithoutUpgradeFixture>(fixture, output);

/// <summary>Node's socket.io server with transports: ['polling'].</summary>
public sealed class NodePollingOnlyScenarios(NodePollingOnlyFixture fixture, ITestOutputHelper output)
    : WebSocketRefusedScenarios<NodePollingOnlyFixture>(fixture, output);

/// <summary>WebSocket through a proxy: nginx forwarding Upgrade in front of Flask-SocketIO under eventlet.</summary>
public sealed class NginxWebSocketProxyScenarios(NginxWebSocketProxyFixture fixture, ITestOutputHelper output)
    : TransportScenarios<NginxWebSocketProxyFixture>(fixture, output);
