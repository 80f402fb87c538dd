using Partnumber.Client.Testing.Internal.SocketIO;

namespace Partnumber.Client.Testing.Tests.Internal.SocketIO;

public class SocketCodecTests
{
    [Theory]
    [InlineData("0", (int)SocketPacketType.Connect, "/", null, null)]
    [InlineData("0/admin,", (int)SocketPacketType.Connect, "/admin", null, null)]
    [InlineData("0{\"token\":\"123\"}", (int)SocketPacketType.Connect, "/", null, "{\"token\":\"123\"}")]
    [InlineData("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", (int)SocketPacketType.Connect, "/admin", null, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}")]
    [InlineData("1", (int)SocketPacketType.Disconnect, "/", null, null)]
    [InlineData("1/admin,", (int)SocketPacketType.Disconnect, "/admin", null, null)]
    [InlineData("2[\"hello\",1]", (int)SocketPacketType.Event, "/", null, "[\"hello\",1]")]
    [InlineData("2/admin,456[\"project:delete\",123]", (int)SocketPacketType.Event, "/admin", 456, "[\"project:delete\",123]")]
    [InlineData("212[\"join\",{\"room_id\":\"r\"}]", (int)SocketPacketType.Event, "/", 12, "[\"join\",{\"room_id\":\"r\"}]")]
    [InlineData("312[]", (int)SocketPacketType.Ack, "/", 12, "[]")]
    [InlineData("3/admin,456[]", (int)SocketPacketType.Ack, "/admin", 456, "[]")]
    [InlineData("4{\"message\":\"Not authorized\"}", (int)SocketPacketType.ConnectError, "/", null, "{\"message\":\"Not authorized\"}")]
    public void Decodes_spec_examples(string text, int type, string nsp, int? id, string? data)
    {
        Assert.True(SocketCodec.TryDecode(text, out var packet, out var error), error);
        Assert.Equal((SocketPacketType)type, packet!.Type);
        Assert.Equal(nsp, packet.Namespace);
        Assert.Equal(id, packet.Id);
        Assert.Equal(data, packet.Data);
    }

    [Fact]
    public void Decodes_binary_event_attachments()
    {
        Assert.True(SocketCodec.TryDecode("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]", out var packet, out _));
        Assert.Equal(SocketPacketType.BinaryEvent, packet!.Type);
        Assert.Equal(1, packet.Attachments);
        Assert.True(SocketCodec.TryDecode("61-/admin,456[{\"_placeholder\":true,\"num\":0}]", out packet, out _));
        Assert.Equal(SocketPacketType.BinaryAck, packet!.Type);
        Assert.Equal("/admin", packet.Namespace);
        Assert.Equal(456, packet.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("x")]
    [InlineData("442[\"some\",\"data\"")]
    [InlineData("0/admin,\"invalid\"")]
    [InlineData("0[]")]
    [InlineData("1/admin,{}")]
    [InlineData("2/admin,\"invalid\"")]
    [InlineData("2/admin,{}")]
    [InlineData("2[]")]
    [InlineData("2[true,\"foo\"]")]
    [InlineData("2[null,\"bar\"]")]
    [InlineData("2[\"a\"")]
    [InlineData("299999999999[\"a\"]")]
    [InlineData("3/admin,{}")]
    [InlineData("4/admin,[]")]
    [InlineData("5[\"hello\"]")]
    [InlineData("5x-[\"hello\"]")]
    public void Rejects_bad_packets(string text)
    {
        Assert.False(SocketCodec.TryDecode(text, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Encodes_packets()
    {
        Assert.Equal("0{\"sid\":\"abc\"}", SocketCodec.Encode(SocketPacketType.Connect, json: "{\"sid\":\"abc\"}"));
        Assert.Equal("4/admin,{\"message\":\"Invalid namespace\"}", SocketCodec.Encode(SocketPacketType.ConnectError, "/admin", json: "{\"message\":\"Invalid namespace\"}"));
        Assert.Equal("312[]", SocketCodec.Encode(SocketPacketType.Ack, id: 12, json: "[]"));
        Assert.Equal("1", SocketCodec.Encode(SocketPacketType.Disconnect));
        Assert.Equal("2[\"pong_event\",{\"message\":\"pong\"}]", SocketCodec.EncodeEvent("pong_event", "{\"message\":\"pong\"}"));
        Assert.Equal("2[\"ping\"]", SocketCodec.EncodeEvent("ping", null));
        Assert.Equal("42[\"classification_finished\",{\"a\":1}]", SocketCodec.EncodeEngineEvent("classification_finished", "{\"a\":1}"));
        Assert.Equal("42[\"other \\\"x\\\"\",[1]]", SocketCodec.EncodeEngineEvent("other \"x\"", "[1]"));
        Assert.Equal("42[\"ação\"]", SocketCodec.EncodeEngineEvent("ação", null));
    }
}
