import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nestQueryParams, toXml } from './aws-query.ts';

test('query params nest into objects and member lists', () => {
  const params = new URLSearchParams(
    'Action=CreateRule&Version=2015-12-01&ListenerArn=arn1&Priority=10&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2Fa&Conditions.member.1.Values.member.2=%2Fb&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=90',
  );
  assert.deepEqual(nestQueryParams(params), {
    ListenerArn: 'arn1',
    Priority: '10',
    Conditions: [{ Field: 'path-pattern', Values: ['/a', '/b'] }],
    Actions: [{ ForwardConfig: { TargetGroups: [{ Weight: '90' }] } }],
  });
});

test('results serialise to Query XML with member lists and escaped text', () => {
  assert.equal(
    toXml('R', { Names: ['a<b', 'c'], When: new Date(0), N: 3 }),
    '<R><Names><member>a&lt;b</member><member>c</member></Names><When>1970-01-01T00:00:00.000Z</When><N>3</N></R>',
  );
});
