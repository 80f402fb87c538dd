using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Tests.Shared.EngineIO;

/// <summary>The open packet: written by the fake, read by the SDK, one type (src/Shared/EngineIO/EngineOpenPacket.cs).</summary>
public class EngineOpenPacketTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void What_the_fake_writes_the_sdk_reads(bool offersWebSocket)
    {
        var written = new EngineOpenPacket("lv_VI97HAXpY6yYWAAAC", offersWebSocket, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(20), 1_000_000);

        var packet = written.Encode();
        var read = EngineOpenPacket.TryParse(packet);

        Assert.StartsWith("0{", packet, StringComparison.Ordinal);
        Assert.NotNull(read);
        Assert.Equal(written.Sid, read.Sid);
        Assert.Equal(offersWebSocket, read.OffersWebSocket);
        Assert.Equal(TimeSpan.FromSeconds(25), read.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(20), read.PingTimeout);
        Assert.Equal(TimeSpan.FromSeconds(45), read.HeartbeatWindow);
        Assert.Equal(1_000_000, read.MaxPayload);
    }

    [Fact]
    public void Writes_the_fields_python_engineio_writes()
    {
        var packet = new EngineOpenPacket("abc", offersWebSocket: true, TimeSpan.FromMilliseconds(25000), TimeSpan.FromMilliseconds(5000), 100_000).Encode();

        Assert.Equal("0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":5000,\"maxPayload\":100000}", packet);
        Assert.Equal("0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":1,\"pingTimeout\":2,\"maxPayload\":3}",
            new EngineOpenPacket("abc", offersWebSocket: false, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), 3).Encode());
    }

    [Fact]
    public void Missing_or_unusable_fields_read_as_defaults()
    {
        var read = EngineOpenPacket.TryParse("0{\"sid\":\"s\",\"upgrades\":\"websocket\",\"pingInterval\":-1,\"pingTimeout\":\"5\",\"maxPayload\":0}");

        Assert.NotNull(read);
        Assert.False(read.OffersWebSocket); // upgrades is not an array
        Assert.Null(read.PingInterval);
        Assert.Null(read.PingTimeout);
        Assert.Null(read.HeartbeatWindow);
        Assert.Equal(EngineOpenPacket.DefaultMaxPayload, read.MaxPayload);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("4{\"sid\":\"s\"}")]
    [InlineData("0{\"sid\":1}")]
    [InlineData("0[\"sid\"]")]
    [InlineData("0{\"upgrades\":[]}")]
    [InlineData("0{\"sid\":\"s\"")]
    [InlineData("<html>")]
    public void What_is_not_an_open_packet_reads_as_null(string packet) => Assert.Null(EngineOpenPacket.TryParse(packet));
}
