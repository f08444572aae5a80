#!/usr/bin/perl
# ARC (RFC 8617) with Perl's Mail::DKIM, an implementation independent of mailauth; key lookups
# go to the DNS server given on the command line, not the system's.
#   arc_tool.pl verify ADDRESS PORT < message    prints the chain's result: pass, fail or none
#   arc_tool.pl seal ADDRESS PORT DOMAIN SELECTOR KEYFILE SRV_ID < message
#                                                 prints the message with an ARC set added (the
#                                                 Authentication-Results of SRV_ID must be in it)
use strict;
use warnings;
use Mail::DKIM::ARC::Signer;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($mode, $address, $port, @rest) = @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => [$address], port => $port, srcport => 0, udp_timeout => 5, retry => 1, recurse => 1));
binmode STDIN;
my $message = do { local $/; <STDIN> };
$message =~ s/\r?\n/\r\n/g;

if ($mode eq 'verify') {
    my $arc = Mail::DKIM::ARC::Verifier->new();
    $arc->PRINT($message);
    $arc->CLOSE;
    print $arc->result, "\n";
} elsif ($mode eq 'seal') {
    my ($domain, $selector, $keyfile, $srv_id) = @rest;
    my $arc = Mail::DKIM::ARC::Signer->new(Algorithm => 'rsa-sha256', Domain => $domain, SrvId => $srv_id, Selector => $selector, KeyFile => $keyfile, Chain => 'ar', Timestamp => time);
    $arc->PRINT($message);
    $arc->CLOSE;
    die 'sealing failed: ' . ($arc->result_detail // $arc->result) . "\n" unless $arc->result eq 'sealed';
    binmode STDOUT;
    print join("\r\n", $arc->as_strings), "\r\n", $message;
} else {
    die "usage: arc_tool.pl verify|seal ADDRESS PORT ...\n";
}
