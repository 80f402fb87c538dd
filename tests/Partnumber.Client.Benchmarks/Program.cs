// Partnumber.Client benchmarks.
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- micro [BenchmarkDotNet args, e.g. --filter *]
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- e2e [--n 400] [--c 10] [--runs 3] ...
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- e2e --preset flask|node|issues   (issues 15 and 16)
//   dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- cold [--backends node,flask] [--processes 20] [--clients jit,r2r,aot,node]
//   (internal) ... -- client <sdk|raw> <baseUrl> <n> <c> <warmup> [standby] [warmupSeconds] [sdkOptions]
//   ... -- serve-fake   the harness's fake backend alone (prints its address; stops when stdin closes), for profiling
// See docs/performance.md.
using BenchmarkDotNet.Running;
using Partnumber.Client.Benchmarks.E2E;

return args.FirstOrDefault() switch
{
    "e2e" => await Harness.RunAsync(args.Skip(1).ToArray()),
    "client" => await ClientRunner.RunAsync(args.Skip(1).ToArray()),
    "cold" => await ColdStartRuns.RunAsync(args.Skip(1).ToArray()),
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
    Console.Error.WriteLine("usage: micro [BenchmarkDotNet args] | e2e [--preset flask|node|issues] [--n N[,N]] [--c C[,C]] [--mode steady|fresh|both] [--runs R] [--warmup W] [--warmup-seconds S]");
    Console.Error.WriteLine("           [--backends fake,node,flask,flask-polling] [--clients " + string.Join(',', BenchClient.All.Select(c => c.Id)) + "]");
    Console.Error.WriteLine("           [--reference CLIENT] [--standby K] [--pin] [--backend-warmup N] [--python /usr/bin/python3]");
    return 2;
}
