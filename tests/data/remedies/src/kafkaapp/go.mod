module example.com/linkguard/kafkaapp

go 1.21

require github.com/confluentinc/confluent-kafka-go/v2 v2.3.0

replace github.com/confluentinc/confluent-kafka-go/v2 => ./fake-kafka
