// Partnumber.Client benchmarks.
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- micro [BenchmarkDotNet args, e.g. --filter *]
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- e2e [--n 400] [--c 10] [--runs 3] ...
//   (internal) ... -- client <sdk|raw> <baseUrl> <n> <c> <warmup> [standby]
//   ... -- serve-fake   the harness's fake backend alone (prints its address; stops when stdin closes), for profiling
// See docs/performance.md.
using BenchmarkDotNet.Running;
using Partnumber.Client.Benchmarks.E2E;

return args.FirstOrDefault() switch
{
    "e2e" => await Harness.RunAsync(args.Skip(1).ToArray()),
    "client" => await ClientRunner.RunAsync(args.Skip(1).ToArray()),
    "micro" => RunMicro(args.Skip(1).ToArray()),
    "serve-fake" => await Harness.ServeFakeAsync(),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(Harness).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: micro [BenchmarkDotNet args] | e2e [--n N] [--c C] [--runs R] [--warmup W] [--backends fake,node] [--clients node,sdk,sdk-standby,raw] [--standby K] [--pin] [--backend-warmup 20000]");
    return 2;
}
