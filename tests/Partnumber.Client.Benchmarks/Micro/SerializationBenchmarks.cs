using BenchmarkDotNet.Attributes;
using Partnumber.Client.Internal.Payloads;

namespace Partnumber.Client.Benchmarks.Micro;

/// <summary>What the SDK writes per classification: the POST body and the join argument (<see cref="PayloadWriter"/>).</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private readonly ClassificationRequest _request = new("6ES7214-1AG40-0XB0")
    {
        Description = "CPU 1214C DC/DC/DC, compacta, 14 DI/10 DO/2 AI",
        Manufacturer = "Siemens",
    };

    [Benchmark(Description = "POST body -> UTF-8 (PayloadWriter)")]
    public byte[] RequestBody() => PayloadWriter.ClassifyRequest(_request, "axcaNe62jZuly7zQt-r-");

    [Benchmark(Description = "join argument -> string (PayloadWriter)")]
    public string Join() => PayloadWriter.Join("room-6f1c0e0e-2b7e-4c55-9d3e-1f2a3b4c5d6e");
}
