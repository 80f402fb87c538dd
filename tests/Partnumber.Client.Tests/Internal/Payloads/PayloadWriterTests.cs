using System.Text;
using System.Text.Json;
using Partnumber.Client.Internal.Payloads;

namespace Partnumber.Client.Tests.Internal.Payloads;

/// <summary>The POST body and the join argument: the bytes the serializer with default options wrote before.</summary>
public sealed class PayloadWriterTests
{
    [Fact]
    public void The_body_has_every_field_given_in_the_documented_order()
    {
        var request = new ClassificationRequest("PN-1") { Description = "d", Manufacturer = "m", Supplier = "s" };

        var body = Encoding.UTF8.GetString(PayloadWriter.ClassifyRequest(request, "sid-1"));

        Assert.Equal("""{"partnumber":"PN-1","description":"d","manufacturer":"m","supplier":"s","socket_session_id":"sid-1"}""", body);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Null_optional_fields_and_a_missing_session_id_are_omitted(string? sessionId)
    {
        var body = Encoding.UTF8.GetString(PayloadWriter.ClassifyRequest(new ClassificationRequest("PN-1") { Manufacturer = "" }, sessionId));

        Assert.Equal("""{"partnumber":"PN-1","manufacturer":""}""", body);
    }

    [Theory]
    [InlineData("aspas \" e barra \\")]
    [InlineData("<script>&'")]
    [InlineData("Válvula de retenção 1/2\" — aço")]
    [InlineData("linha\nnova\ttab\u0001")]
    [InlineData("😀 fora do BMP")]
    public void Text_is_escaped_exactly_as_the_serializer_escapes_it(string text)
    {
        var request = new ClassificationRequest(text) { Description = text, Manufacturer = text, Supplier = text };
        var expected = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["partnumber"] = text,
            ["description"] = text,
            ["manufacturer"] = text,
            ["supplier"] = text,
            ["socket_session_id"] = "sid",
        });

        var body = PayloadWriter.ClassifyRequest(request, "sid");

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(body));
        using var parsed = JsonDocument.Parse(body);
        Assert.Equal(text, parsed.RootElement.GetProperty("supplier").GetString());
    }

    [Fact]
    public void The_join_argument_carries_the_room()
    {
        Assert.Equal("""{"room_id":"room-\u003C1\u003E"}""", PayloadWriter.Join("room-<1>"));
        using var parsed = JsonDocument.Parse(PayloadWriter.Join("sala \"A\" ç"));
        Assert.Equal("sala \"A\" ç", parsed.RootElement.GetProperty("room_id").GetString());
    }
}
