using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Partnumber.Client.Internal.Payloads;

namespace Partnumber.Client.Benchmarks.Micro;

/// <summary>What the SDK writes per classification: the POST body and the join argument (source-generated System.Text.Json).</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private readonly ClassifyRequestBody _body = new()
    {
        Partnumber = "6ES7214-1AG40-0XB0",
        Description = "CPU 1214C DC/DC/DC, compacta, 14 DI/10 DO/2 AI",
        Manufacturer = "Siemens",
        SocketSessionId = "axcaNe62jZuly7zQt-r-",
    };

    private readonly JoinPayload _join = new() { RoomId = "room-6f1c0e0e-2b7e-4c55-9d3e-1f2a3b4c5d6e" };

    [Benchmark(Description = "ClassifyRequestBody -> UTF-8 (PartnumberJsonContext)")]
    public byte[] RequestBody() => JsonSerializer.SerializeToUtf8Bytes(_body, PartnumberJsonContext.Default.ClassifyRequestBody);

    [Benchmark(Description = "JoinPayload -> string (PartnumberJsonContext)")]
    public string Join() => JsonSerializer.Serialize(_join, PartnumberJsonContext.Default.JoinPayload);
}
