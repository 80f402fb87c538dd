using Partnumber.Client.Sample;

namespace Partnumber.Client.Sample.Tests;

public class ArgumentsTests
{
    [Fact]
    public void Single_mode_with_every_option()
    {
        var a = SampleArguments.Parse(["PN-TEST-12345", "--server", "http://localhost:5000", "--socket-server", "ws://localhost:6000",
            "--description", "Parafuso M8", "--manufacturer", "ACME", "--supplier", "S", "--json", "--timeout", "2.5"]);

        Assert.Equal(SampleCommand.Classify, a.Command);
        Assert.Equal(new ClassificationRequest("PN-TEST-12345") { Description = "Parafuso M8", Manufacturer = "ACME", Supplier = "S" }, a.ToRequest());
        Assert.Equal(new Uri("http://localhost:5000"), a.Server);
        Assert.Equal(new Uri("ws://localhost:6000"), a.SocketServer);
        Assert.True(a.Json);
        Assert.Equal(TimeSpan.FromSeconds(2.5), a.Timeout);
    }

    [Fact]
    public void Batch_and_serve_modes()
    {
        var batch = SampleArguments.Parse(["--input", "parts.csv", "--output", "out.jsonl", "--concurrency", "16", "--standby", "16"]);
        Assert.Equal(SampleCommand.Batch, batch.Command);
        Assert.Equal(16, batch.Concurrency);
        Assert.Equal(16, batch.Standby);
        Assert.False(batch.NoResubmit);
        Assert.True(SampleArguments.Parse(["--input", "parts.csv", "--output", "out.jsonl", "--no-resubmit"]).NoResubmit);
        Assert.Null(batch.Server);

        var serve = SampleArguments.Parse(["serve", "--port", "5055"]);
        Assert.Equal(SampleCommand.Serve, serve.Command);
        Assert.Equal(5055, serve.Port);

        Assert.Equal(SampleCommand.Help, SampleArguments.Parse(["--help"]).Command);
    }

    [Theory]
    [InlineData("auto", PartnumberTransports.WebSocket | PartnumberTransports.LongPolling)]
    [InlineData("websocket", PartnumberTransports.WebSocket)]
    [InlineData("polling", PartnumberTransports.LongPolling)]
    public void Transport_maps_to_the_client_transports(string value, PartnumberTransports expected)
    {
        Assert.Equal(expected, SampleArguments.Parse(["PN-1", "--transport", value]).Transports);
        Assert.Equal(expected, SampleArguments.Parse(["--input", "a.csv", "--output", "b.jsonl", "--transport", value]).Transports);
        Assert.Equal(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, SampleArguments.Parse(["PN-1"]).Transports);
    }

    [Fact]
    public void Record_takes_partnumbers_a_server_and_an_output_and_serve_takes_a_recording()
    {
        var record = SampleArguments.Parse(["record", "PN-1", "PN-2", "PN-1", "--server", "http://localhost:5000", "--output", "fixture.json", "--supplier", "S", "--transport", "polling"]);
        Assert.Equal(SampleCommand.Record, record.Command);
        Assert.Equal(["PN-1", "PN-2"], record.Partnumbers);
        Assert.Equal("fixture.json", record.Output);
        Assert.Equal("S", record.Supplier);
        Assert.Equal(PartnumberTransports.LongPolling, record.Transports);

        var serve = SampleArguments.Parse(["serve", "--port", "5055", "--replay", "fixture.json"]);
        Assert.Equal(SampleCommand.Serve, serve.Command);
        Assert.Equal("fixture.json", serve.Replay);
    }

    [Theory]
    [InlineData(new string[0], "Give a partnumber")]
    [InlineData(new[] { "PN-1", "PN-2" }, "Unexpected argument 'PN-2'")]
    [InlineData(new[] { "PN-1", "--colour" }, "Unknown option '--colour'")]
    [InlineData(new[] { "PN-1", "--server" }, "--server needs a value")]
    [InlineData(new[] { "PN-1", "--server", "localhost:5000" }, "--server must be an absolute http/https URL")]
    [InlineData(new[] { "PN-1", "--timeout", "0" }, "--timeout must be a positive number")]
    [InlineData(new[] { "--input", "a.csv" }, "needs both --input and --output")]
    [InlineData(new[] { "--input", "a.csv", "--output", "b", "--concurrency", "0" }, "--concurrency must be a whole number from 1")]
    [InlineData(new[] { "serve", "--port", "70000" }, "--port must be a whole number from 1 to 65535")]
    [InlineData(new[] { "PN-1", "--transport", "sse" }, "--transport must be auto, websocket or polling; got 'sse'")]
    [InlineData(new[] { "record", "--server", "http://localhost:5000", "--output", "f.json" }, "record needs at least one partnumber")]
    [InlineData(new[] { "record", "PN-1", "--output", "f.json" }, "record needs --server URL")]
    [InlineData(new[] { "record", "PN-1", "--server", "http://localhost:5000" }, "record needs --output FILE")]
    [InlineData(new[] { "PN-1", "--replay", "f.json" }, "--replay is for serve")]
    public void Usage_errors_say_what_is_wrong(string[] args, string expected)
    {
        var error = Assert.Throws<UsageException>(() => SampleArguments.Parse(args));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
