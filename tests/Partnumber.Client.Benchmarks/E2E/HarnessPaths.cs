namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>Where the harness finds its peers, found by walking up from the program's directory to the repository.</summary>
/// <param name="RepositoryRoot">The directory holding Partnumber.Client.sln.</param>
/// <param name="NodeClientDir">tests/Partnumber.Client.Benchmarks/node: client.js and seed-client.js (socket.io-client).</param>
/// <param name="InteropNodeDir">tests/interop/node: the Node socket.io peer of the interop suite.</param>
/// <param name="FlaskServer">tests/Partnumber.Client.Benchmarks/flask/bench_server.py.</param>
internal sealed record HarnessPaths(string RepositoryRoot, string NodeClientDir, string InteropNodeDir, string FlaskServer)
{
    public static HarnessPaths Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var benchmarks = Path.Combine(dir.FullName, "tests", "Partnumber.Client.Benchmarks");
            if (File.Exists(Path.Combine(benchmarks, "node", "seed-client.js")))
            {
                return new(dir.FullName, Path.Combine(benchmarks, "node"), Path.Combine(dir.FullName, "tests", "interop", "node"),
                    Path.Combine(benchmarks, "flask", "bench_server.py"));
            }
        }

        throw new InvalidOperationException("tests/Partnumber.Client.Benchmarks/node/seed-client.js not found above " + AppContext.BaseDirectory);
    }
}
