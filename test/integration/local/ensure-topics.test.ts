import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { ensureTopics, topicConfigs } from '../../../app/common/kafka.js';
import { lifecycleTopicSizeConfig } from '../../../app/common/record-size-budget.js';
import { type LifecycleTopicRole, LifecycleTopics } from '../../../app/common/topics.js';
import { useKafkaAdmin } from '../../helpers/use-kafka-admin.js';

describe('ensureTopics on the local broker', () => {
  const { admin } = useKafkaAdmin(inject('kafkaBrokers'), 'meshrag-it-topics');

  it("gives every lifecycle topic the size budget's max.message.bytes", async () => {
    const roles = Object.keys(LifecycleTopics) as LifecycleTopicRole[];
    await ensureTopics(admin, Object.values(LifecycleTopics));
    const configs = await topicConfigs(admin, Object.values(LifecycleTopics));
    for (const role of roles) {
      expect(configs.get(LifecycleTopics[role])?.get('max.message.bytes'), role).toBe(
        String(lifecycleTopicSizeConfig(role)['max.message.bytes']),
      );
    }
  });

  it('raises the limit on a topic an older version made, keeping its other settings', async () => {
    const topic = `it.older.${randomUUID()}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
    });
    const config = () => ({ 'max.message.bytes': 2_424_832 });

    expect(await ensureTopics(admin, [topic], { topicConfig: config })).toEqual([]);

    const after = (await topicConfigs(admin, [topic])).get(topic);
    expect(after?.get('max.message.bytes')).toBe('2424832');
    expect(after?.get('retention.ms')).toBe('3600000');
    await admin.deleteTopics({ topics: [topic] });
  });
});
