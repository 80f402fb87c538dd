using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>Flask-SocketIO (python-socketio) served by eventlet, as it is deployed.</summary>
public sealed class FlaskEventletScenarios(FlaskFixture fixture, ITestOutputHelper output)
    : InteropScenarios<FlaskFixture>(fixture, output);

/// <summary>Node's socket.io 4.x server: the protocol's reference implementation.</summary>
public sealed class NodeSocketIOScenarios(NodeFixture fixture, ITestOutputHelper output)
    : InteropScenarios<NodeFixture>(fixture, output);

/// <summary>The Flask-SocketIO app behind gunicorn with one eventlet worker (gunicorn -k eventlet -w 1 app:app).</summary>
public sealed class FlaskGunicornScenarios(GunicornFixture fixture, ITestOutputHelper output)
    : InteropScenarios<GunicornFixture>(fixture, output);
