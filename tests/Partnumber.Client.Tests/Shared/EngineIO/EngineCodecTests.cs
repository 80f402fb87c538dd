using System.Text;
using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Tests.Shared.EngineIO;

/// <summary>
/// The Engine.IO codec both packages compile (src/Shared/EngineIO), tested here through the SDK's copy: the same
/// source is the fake's (its conformance tests with real clients check the fake's side independently).
/// </summary>
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
        Assert.Equal("bAQIDBA==", EngineCodec.EncodeBinary(new byte[] { 1, 2, 3, 4 }));
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
        Assert.Equal("4hello\u001e2", EngineCodec.Join(new[] { "4hello", "2" }));
        Assert.Equal("6", EngineCodec.Join(new[] { "6" }));
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("\u001e", new string[0])]
    [InlineData("\u001e\u001e", new string[0])]
    [InlineData("4a", new[] { "4a" })]
    [InlineData("4a\u001e", new[] { "4a" })]
    [InlineData("\u001e4a", new[] { "4a" })]
    [InlineData("4a\u001e\u001e2", new[] { "4a", "2" })]
    [InlineData("4a\u001e2\u001e6", new[] { "4a", "2", "6" })]
    public void The_lenient_split_skips_empty_segments(string payload, string[] expected)
        => Assert.Equal(expected, EngineCodec.Split(payload));

    [Theory]
    [InlineData("", new[] { "" })]
    [InlineData("\u001e", new[] { "", "" })]
    [InlineData("4a\u001e", new[] { "4a", "" })]
    [InlineData("4a\u001e\u001e2", new[] { "4a", "", "2" })]
    public void The_strict_split_keeps_empty_segments(string payload, string[] expected)
        => Assert.Equal(expected, EngineCodec.Split(payload, keepEmpty: true));

    [Fact]
    public void Split_and_join_round_trip_a_payload_whose_packets_hold_multibyte_text_and_binary()
    {
        var packets = new[] { "4€ açaí", EngineCodec.EncodeBinary(new byte[] { 0, 255, 30 }), "2", "42[\"x\",\"\u0001\"]" };
        var payload = EngineCodec.Join(packets);
        Assert.Equal(string.Join("\u001e", packets), payload);
        Assert.Equal(packets, EngineCodec.Split(payload));

        var built = new StringBuilder();
        foreach (var packet in packets)
        {
            EngineCodec.Append(built, packet);
        }

        Assert.Equal(payload, built.ToString());
    }

    [Fact]
    public void Base64_packets_round_trip_and_reject_malformed_base64()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var packet = EngineCodec.EncodeBinary(bytes);
        Assert.StartsWith("b", packet, StringComparison.Ordinal);
        Assert.True(EngineCodec.IsBinary(packet));
        Assert.True(EngineCodec.TryDecodeBinary(packet, out var decoded));
        Assert.Equal(bytes, decoded);

        Assert.Equal("b", EngineCodec.EncodeBinary([]));
        Assert.True(EngineCodec.TryDecodeBinary("b", out var empty));
        Assert.Empty(empty);

        Assert.False(EngineCodec.TryDecodeBinary("bAQI", out _)); // not a multiple of 4
        Assert.False(EngineCodec.TryDecodeBinary("b!!!!", out _));
    }

    [Theory]
    [InlineData("0{}", true, (int)EnginePacketType.Open)]
    [InlineData("1", true, (int)EnginePacketType.Close)]
    [InlineData("6", true, (int)EnginePacketType.Noop)]
    [InlineData("42[]", true, (int)EnginePacketType.Message)]
    [InlineData("7", false, 0)]
    [InlineData("bAQ==", false, 0)]
    [InlineData("", false, 0)]
    public void Reads_the_type_digit(string packet, bool known, int type)
    {
        Assert.Equal(known, EngineCodec.TryGetType(packet, out var read));
        Assert.Equal((EnginePacketType)type, read);
        Assert.Equal(known || packet.StartsWith('b'), EngineCodec.HasKnownType(packet));
    }

    [Fact]
    public void A_bare_packet_is_its_type_alone()
    {
        Assert.True(EngineCodec.IsBare("6", EnginePacketType.Noop));
        Assert.True(EngineCodec.IsBare("1", EnginePacketType.Close));
        Assert.False(EngineCodec.IsBare("6x", EnginePacketType.Noop));
        Assert.False(EngineCodec.IsBare("1", EnginePacketType.Noop));
        Assert.False(EngineCodec.IsBare("", EnginePacketType.Open));
    }

    [Fact]
    public void The_probe_is_2probe_3probe_then_5()
    {
        Assert.Equal("2probe", EngineProbe.Ping);
        Assert.Equal("3probe", EngineProbe.Pong);
        Assert.Equal("5", EngineProbe.Upgrade);
    }
}
