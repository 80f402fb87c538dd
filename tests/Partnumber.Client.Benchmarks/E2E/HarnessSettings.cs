using System.Globalization;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>The <c>e2e</c> command line: what to run (backends, clients per backend, scenarios) and how.</summary>
internal sealed class HarnessSettings
{
    /// <summary>The concurrency of the backend warm-up for the .NET and Node backends: high enough to exercise their concurrent paths.</summary>
    public const int BackendWarmupConcurrency = 100;

    /// <summary>The concurrency of the Flask backends' warm-up (Python has no JIT to settle; this only loads what loads lazily).</summary>
    public const int PythonBackendWarmupConcurrency = 10;

    private static readonly string[] FlaskClients = ["node-seed", "node", "sdk", "sdk-noreuse", "sdk-noack", "sdk-noreuse-noack"];

    // No websocket-only client on the polling-only server: it cannot connect there (each attempt is a 400).
    private static readonly string[] FlaskPollingClients = ["node-seed", "sdk", "sdk-polling", "sdk-noreuse", "sdk-noack", "sdk-noreuse-noack"];

    private static readonly string[] NodeBackendClients = ["node", "sdk", "sdk-noreuse"];

    private int[] _n = [400];
    private int[] _concurrency = [10];
    private string _mode = Scenario.Steady;
    private Dictionary<string, string[]> _clients = new();
    private int? _backendWarmup;

    /// <summary>The <c>e2e</c> arguments as given, for the output's header.</summary>
    public IReadOnlyList<string> Arguments { get; private set; } = [];

    /// <summary>--preset: <c>flask</c>, <c>node</c> or <c>issues</c> (both), or null.</summary>
    public string? Preset { get; private set; }

    public int Runs { get; private set; } = 3;

    /// <summary>
    /// --warmup: untimed classifications each client process runs first in the steady mode. The SDK's tiered JIT settles
    /// after about 8,000 (some 5,000 methods, 1.8 s of JIT time on two cores) and the Node client's V8 after about 3,000,
    /// so the default measures both at their steady state, as the backends are; --warmup 20 measures first use.
    /// </summary>
    public int Warmup { get; private set; } = 15_000;

    /// <summary>
    /// --warmup-seconds: no warm-up classification starts after this long. It bounds the hand-written SocketIOClient
    /// flow, whose 20 ms connect poll would make 15,000 sequential warm-ups last five minutes and whose time is that
    /// poll however warm it is, and every client on the Flask server under eventlet while its bursts wait for delayed ACKs.
    /// </summary>
    public double WarmupSeconds { get; private set; } = 30;

    public int? Standby { get; private set; }

    /// <summary>--pin: the backend on CPU 0, each client on CPU 1 (taskset), so a server's rate is its own capacity.</summary>
    public bool Pin { get; private set; }

    /// <summary>The CPU the backends run on (--pin), or null.</summary>
    public string? BackendCpu => Pin ? "0" : null;

    /// <summary>The CPU each client runs on (--pin), or null.</summary>
    public string? ClientCpu => Pin ? "1" : null;

    public string[] Backends { get; private set; } = ["fake", "node"];

    /// <summary>
    /// --sdk-image: <c>il</c> (the default), the SDK as this harness references it; <c>package</c>, the package's
    /// ReadyToRun image of it in its place, as an app referencing the package runs (<see cref="PackageImage"/>).
    /// </summary>
    public string SdkImage { get; private set; } = "il";

    /// <summary>--reference: the client every ratio is taken against, or null for each backend's own (<see cref="ReferenceFor"/>).</summary>
    public string? Reference { get; private set; }

    /// <summary>--python: the interpreter for the Flask backends (Debian's, which sees python3-flask-socketio).</summary>
    public string Python { get; private set; } = "/usr/bin/python3";

    /// <summary>The measurements, in the order they run: the steady ones (--n × --c), then the fresh ones (--mode).</summary>
    public IReadOnlyList<Scenario> Scenarios
    {
        get
        {
            var steady = _concurrency.Select((c, i) => new Scenario(Scenario.Steady, _n.Length == 1 ? _n[0] : _n[i], c, Warmup));
            return _mode switch
            {
                Scenario.Steady => steady.ToArray(),
                Scenario.Fresh => Scenario.FreshSet.ToArray(),
                _ => steady.Concat(Scenario.FreshSet).ToArray(),
            };
        }
    }

    /// <summary>The clients run against <paramref name="backend"/>: --clients, else the preset's for that backend, else the historic four.</summary>
    public IReadOnlyList<BenchClient> ClientsFor(string backend)
        => (_clients.TryGetValue(backend, out var ids) ? ids : _clients.TryGetValue("*", out var all) ? all : ["node", "sdk", "sdk-standby", "raw"])
            .Select(BenchClient.Get).ToArray();

    /// <summary>
    /// The client whose figures the ratios divide by: socket.io-client doing the API document's flow with default
    /// transports on the Flask servers (issues 15 and 16), the websocket-only Node client on the fake and the Node server
    /// (the performance issue's measure), unless --reference says otherwise.
    /// </summary>
    public string ReferenceFor(string backend) => Reference ?? (backend.StartsWith("flask", StringComparison.Ordinal) ? "node-seed" : "node");

    /// <summary>Classifications each backend serves before anything is measured (--backend-warmup, else per backend).</summary>
    /// <remarks>
    /// The fake's CPU per classification settles after about 14,000 (tiered JIT under load) and V8 keeps optimising as
    /// long: 20,000 for those two. Python has no JIT: 500 for the Flask servers.
    /// </remarks>
    public int BackendWarmupFor(string backend) => _backendWarmup ?? (backend.StartsWith("flask", StringComparison.Ordinal) ? 500 : 20_000);

    /// <summary>Standby connections for the standby client: --standby, else C (at least 2: one ready while the one just taken is replaced; at most 64).</summary>
    public int StandbyFor(int c) => Standby ?? Math.Clamp(c, 2, 64);

    public static HarnessSettings Parse(string[] args)
    {
        var s = new HarnessSettings { Arguments = args };

        // The preset first, wherever it is, so that the other options refine it.
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--preset")
            {
                s.ApplyPreset(args[i + 1]);
            }
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            int[] Ints() => Value().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            switch (args[i])
            {
                case "--preset": Value(); break;
                case "--n": s._n = Ints(); break;
                case "--c": s._concurrency = Ints(); break;
                case "--mode": s._mode = Value(); break;
                case "--runs": s.Runs = Int(); break;
                case "--warmup": s.Warmup = Int(); break;
                case "--warmup-seconds": s.WarmupSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--standby": s.Standby = Int(); break;
                case "--backends": s.Backends = Value().Split(','); break;
                case "--clients": s._clients = new() { ["*"] = Value().Split(',') }; break;
                case "--reference": s.Reference = Value(); break;
                case "--python": s.Python = Value(); break;
                case "--pin": s.Pin = true; break;
                case "--backend-warmup": s._backendWarmup = Int(); break;
                case "--sdk-image": s.SdkImage = Value() switch { "il" => "il", "package" => "package", var other => throw new ArgumentException("--sdk-image must be il or package; got " + other) }; break;
                default: throw new ArgumentException("unknown option " + args[i]);
            }
        }

        if (s._mode is not (Scenario.Steady or Scenario.Fresh or "both"))
        {
            throw new ArgumentException("--mode must be steady, fresh or both; got " + s._mode);
        }

        if (s._n.Length != 1 && s._n.Length != s._concurrency.Length)
        {
            throw new ArgumentException($"--n takes one value or one per --c value ({s._concurrency.Length}); got {s._n.Length}");
        }

        foreach (var backend in s.Backends)
        {
            if (backend is not ("fake" or "node" or "flask" or "flask-polling"))
            {
                throw new ArgumentException($"unknown backend {backend}; known: fake, node, flask, flask-polling");
            }

            _ = s.ClientsFor(backend); // unknown client names fail here, before anything starts
        }

        if (s.Reference is not null)
        {
            _ = BenchClient.Get(s.Reference);
        }

        return s;
    }

    /// <summary>
    /// The issue-15/16 measurements: 200 sequential and 500 at C = 10 at steady state, then 150 sequential and 400 at
    /// C = 10 in fresh processes. <c>flask</c>: Flask-SocketIO under eventlet and polling-only, the seed-flow Node client
    /// as the reference and the SDK with each choice turned off; <c>node</c>: the Node socket.io server against the
    /// websocket-only Node client; <c>issues</c>: both.
    /// </summary>
    private void ApplyPreset(string preset)
    {
        Preset = preset;
        _n = [200, 500];
        _concurrency = [1, 10];
        _mode = "both";
        (Backends, _clients) = preset switch
        {
            "flask" => (new[] { "flask", "flask-polling" }, new Dictionary<string, string[]> { ["flask"] = FlaskClients, ["flask-polling"] = FlaskPollingClients }),
            "node" => (new[] { "node" }, new Dictionary<string, string[]> { ["node"] = NodeBackendClients }),
            "issues" => (new[] { "flask", "flask-polling", "node" }, new Dictionary<string, string[]> { ["flask"] = FlaskClients, ["flask-polling"] = FlaskPollingClients, ["node"] = NodeBackendClients }),
            _ => throw new ArgumentException("unknown preset " + preset + "; known: flask, node, issues"),
        };
    }
}
