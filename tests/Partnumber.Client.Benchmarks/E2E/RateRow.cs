namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>One line of the server rate table: the same client against the fake and against the Node server.</summary>
internal sealed record RateRow(string Client, int N, int C, double NodeRate, double FakeRate, double Ratio, double MinRatio, double MaxRatio, double NodeCpuUs, double FakeCpuUs)
{
    public static RateRow FromRuns(string client, int n, int c, List<ClientRun> fake, List<ClientRun> node)
    {
        var ratios = fake.Zip(node, (f, nd) => nd.WallMs / f.WallMs).ToArray();
        return new(client, n, c, ResultRow.Median(node.Select(r => n * 1000 / r.WallMs)), ResultRow.Median(fake.Select(r => n * 1000 / r.WallMs)),
            ResultRow.Median(ratios), ratios.Min(), ratios.Max(),
            ResultRow.Median(node.Select(r => r.ServerCpuUs(n))), ResultRow.Median(fake.Select(r => r.ServerCpuUs(n))));
    }
}
