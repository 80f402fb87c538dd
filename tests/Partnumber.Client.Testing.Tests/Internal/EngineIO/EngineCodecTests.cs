using Partnumber.Client.Testing.Internal.EngineIO;

namespace Partnumber.Client.Testing.Tests.Internal.EngineIO;

public class EngineCodecTests
{
    [Theory]
    [InlineData("0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\"}", (int)EnginePacketType.Open, "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\"}")]
    [InlineData("1", (int)EnginePacketType.Close, "")]
    [InlineData("2", (int)EnginePacketType.Ping, "")]
    [InlineData("2probe", (int)EnginePacketType.Ping, "probe")]
    [InlineData("3probe", (int)EnginePacketType.Pong, "probe")]
    [InlineData("4hello", (int)EnginePacketType.Message, "hello")]
    [InlineData("4€ açaí", (int)EnginePacketType.Message, "€ açaí")]
    [InlineData("5", (int)EnginePacketType.Upgrade, "")]
    [InlineData("6", (int)EnginePacketType.Noop, "")]
    public void Decodes_spec_examples(string text, int type, string data)
    {
        Assert.True(EngineCodec.TryDecode(text, out var packet));
        Assert.Equal((EnginePacketType)type, packet.Type);
        Assert.Equal(data, packet.Text);
        Assert.False(packet.IsBinary);
    }

    [Fact]
    public void Decodes_base64_binary()
    {
        Assert.True(EngineCodec.TryDecode("bAQIDBA==", out var packet));
        Assert.True(packet.IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, packet.Binary);
        Assert.Equal("bAQIDBA==", EngineCodec.EncodeBinaryForPolling(new byte[] { 1, 2, 3, 4 }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("a123")]
    [InlineData("b!!!")]
    public void Rejects_bad_packets(string text) => Assert.False(EngineCodec.TryDecode(text, out _));

    [Fact]
    public void Encodes_packets()
    {
        Assert.Equal("4hello", EngineCodec.Encode(EnginePacketType.Message, "hello"));
        Assert.Equal("2", EngineCodec.Encode(EnginePacketType.Ping));
        Assert.Equal("3probe", EngineCodec.Encode(EnginePacketType.Pong, "probe"));
    }

    [Fact]
    public void Decodes_payload_with_record_separator()
    {
        var packets = new List<EnginePacket>();
        Assert.True(EngineCodec.TryDecodePayload("4hello\u001e4€\u001ebAQIDBA==", packets));
        Assert.Equal(3, packets.Count);
        Assert.Equal("hello", packets[0].Text);
        Assert.Equal("€", packets[1].Text);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, packets[2].Binary);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4hello\u001e")]
    [InlineData("4hello\u001e9")]
    [InlineData("\u001e4hello")]
    public void Rejects_bad_payloads(string payload) => Assert.False(EngineCodec.TryDecodePayload(payload, new List<EnginePacket>()));

    [Fact]
    public void Encodes_payload()
    {
        Assert.Equal("4hello\u001e2", EngineCodec.EncodePayload(new[] { "4hello", "2" }));
        Assert.Equal("6", EngineCodec.EncodePayload(new[] { "6" }));
    }
}
